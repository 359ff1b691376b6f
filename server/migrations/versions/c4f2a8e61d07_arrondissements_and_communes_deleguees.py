"""arrondissements municipaux and communes déléguées / associées attached to their commune

Revision ID: c4f2a8e61d07
Revises: b3e7d1a5c9f2
Create Date: 2026-12-07 17:30:00.000000

The new codes themselves come with the next `flask territoires import` (it completes a loaded
database in place; the release's `--if-empty` import does it once).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f2a8e61d07'
down_revision = 'b3e7d1a5c9f2'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTERs, no batch: SQLite would copy the table, which every CRA points at.
    op.add_column('commune', sa.Column('type', sa.String(length=24), server_default='commune-actuelle', nullable=False))
    op.add_column('commune', sa.Column('rattachement_code', sa.String(length=5), nullable=True))
    op.create_index(op.f('ix_commune_rattachement_code'), 'commune', ['rattachement_code'], unique=False)


def downgrade():
    # The arrondissements and communes déléguées stay, as communes: CRAs and lieux may name them.
    op.drop_index(op.f('ix_commune_rattachement_code'), table_name='commune')
    op.drop_column('commune', 'rattachement_code')
    op.drop_column('commune', 'type')
