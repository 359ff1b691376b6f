"""devices and their sync state

Revision ID: f3c8a1d6b2e9
Revises: e5a9c3b7d214
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3c8a1d6b2e9'
down_revision = 'e5a9c3b7d214'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'appareil',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conseiller_id', sa.Integer(), nullable=False),
        sa.Column('appareil_id', sa.Uuid(), nullable=False),
        sa.Column('libelle', sa.String(length=80), nullable=True),
        sa.Column('version', sa.String(length=40), nullable=True),
        sa.Column('en_attente', sa.Integer(), nullable=True),
        sa.Column('premier_contact', sa.DateTime(timezone=True), nullable=False),
        sa.Column('derniere_synchro', sa.DateTime(timezone=True), nullable=True),
        sa.Column('derniere_erreur', sa.String(length=500), nullable=True),
        sa.Column('derniere_erreur_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['conseiller_id'], ['conseiller.id'], ondelete='CASCADE',
            name=op.f('fk_appareil_conseiller_id_conseiller'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appareil')),
        sa.UniqueConstraint(
            'conseiller_id', 'appareil_id', name=op.f('uq_appareil_conseiller_id')
        ),
    )
    op.create_index(op.f('ix_appareil_conseiller_id'), 'appareil', ['conseiller_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_appareil_conseiller_id'), table_name='appareil')
    op.drop_table('appareil')
