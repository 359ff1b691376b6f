"""archive of the original Espace Coop: original ids, archive owners

Revision ID: b3d7f1a9c542
Revises: f3c8a1d6b2e9
Create Date: 2026-12-07 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d7f1a9c542'
down_revision = 'f3c8a1d6b2e9'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('structure', sa.Column('origine_id', sa.String(length=24), nullable=True))
    op.create_index(op.f('ix_structure_origine_id'), 'structure', ['origine_id'], unique=True)
    op.add_column('conseiller', sa.Column('origine_id', sa.String(length=24), nullable=True))
    op.create_index(op.f('ix_conseiller_origine_id'), 'conseiller', ['origine_id'], unique=True)
    op.add_column(
        'conseiller',
        sa.Column('archive', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column('cra', sa.Column('origine_id', sa.String(length=24), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite ≥ 3.35 too): batch mode would rebuild tables every CRA refers to.
    op.execute('ALTER TABLE cra DROP COLUMN origine_id')
    op.drop_index(op.f('ix_conseiller_origine_id'), table_name='conseiller')
    op.execute('ALTER TABLE conseiller DROP COLUMN archive')
    op.execute('ALTER TABLE conseiller DROP COLUMN origine_id')
    op.drop_index(op.f('ix_structure_origine_id'), table_name='structure')
    op.execute('ALTER TABLE structure DROP COLUMN origine_id')
