"""journal of sensitive actions

Logins, invitations, row-level exports, ressourcerie decisions and the maintenance switch:
who, what, when; kept AUDIT_RETENTION_DAYS.

Revision ID: e7a1c3d5f9b2
Revises: d2b9e4f7a3c1
Create Date: 2026-12-07 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1c3d5f9b2'
down_revision = 'd2b9e4f7a3c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('acteur_id', sa.Integer(), nullable=True),
    sa.Column('acteur', sa.String(length=254), nullable=True),
    sa.Column('cible', sa.String(length=500), nullable=False),
    sa.Column('adresse', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['acteur_id'], ['user_account.id'], name=op.f('fk_audit_acteur_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit'))
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_at'))
        batch_op.drop_index(batch_op.f('ix_audit_action'))
    op.drop_table('audit')
