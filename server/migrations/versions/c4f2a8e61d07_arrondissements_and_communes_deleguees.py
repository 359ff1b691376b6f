"""arrondissements municipaux and communes déléguées / associées attached to their commune

Revision ID: c4f2a8e61d07
Revises: b3e7d1a5c9f2
Create Date: 2026-12-07 17:30:00.000000

The new codes themselves come with the next `flask territoires import` (it completes a loaded
database in place).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f2a8e61d07'
down_revision = 'b3e7d1a5c9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type', sa.String(length=24), server_default='commune-actuelle', nullable=False))
        batch_op.add_column(sa.Column('rattachement_code', sa.String(length=5), nullable=True))
        batch_op.create_index(batch_op.f('ix_commune_rattachement_code'), ['rattachement_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_commune_rattachement_code_commune'), 'commune', ['rattachement_code'], ['code'])


def downgrade():
    # The codes that are not communes actuelles go first (CRAs or lieux naming one block this,
    # as they should: their place would be lost).
    op.execute("DELETE FROM commune_code_postal WHERE commune_code IN (SELECT code FROM commune WHERE type <> 'commune-actuelle')")
    op.execute("DELETE FROM commune WHERE type <> 'commune-actuelle'")
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_commune_rattachement_code_commune'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_commune_rattachement_code'))
        batch_op.drop_column('rattachement_code')
        batch_op.drop_column('type')
