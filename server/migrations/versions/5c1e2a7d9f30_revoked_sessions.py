"""revoked sessions: logout closes a device's session, its refresh token included

Revision ID: 5c1e2a7d9f30
Revises: d807bf4a300a
Create Date: 2026-12-07 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e2a7d9f30'
down_revision = 'd807bf4a300a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revoked_session',
    sa.Column('sid', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_revoked_session'))
    )
    with op.batch_alter_table('revoked_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_session_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('revoked_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_session_expires_at'))

    op.drop_table('revoked_session')
