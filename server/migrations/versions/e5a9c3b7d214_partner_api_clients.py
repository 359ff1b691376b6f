"""partner API clients: scope, rights, hashed secret, rate limit window

Revision ID: e5a9c3b7d214
Revises: e7a1c3d5f9b2
Create Date: 2026-12-07 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'e5a9c3b7d214'
down_revision = 'e7a1c3d5f9b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'client_api',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('identifiant', sa.String(length=32), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('nom', sa.String(length=200), nullable=False),
        sa.Column('perimetre', sa.String(length=20), nullable=False),
        sa.Column('region_code', sa.String(length=3), nullable=True),
        sa.Column('departement_code', sa.String(length=3), nullable=True),
        sa.Column('structure_id', sa.Integer(), nullable=True),
        sa.Column('droits', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('fenetre_debut', sa.DateTime(timezone=True), nullable=True),
        sa.Column('requetes', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "perimetre IN ('national', 'region', 'departement', 'structure')",
            name='ck_client_api_perimetre',
        ),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['departement_code'], ['departement.code']),
        sa.ForeignKeyConstraint(['region_code'], ['region.code']),
        sa.ForeignKeyConstraint(['structure_id'], ['structure.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('identifiant'),
    )
    op.create_index(op.f('ix_client_api_structure_id'), 'client_api', ['structure_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_client_api_structure_id'), table_name='client_api')
    op.drop_table('client_api')
