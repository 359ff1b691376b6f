"""maintenance switch

One row saying whether the API refuses writes for maintenance, with the national team's message
and the Retry-After sent to the apps.

Revision ID: c4f8a2e6d1b7
Revises: c4f2a9e7d1b3
Create Date: 2026-12-07 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f8a2e6d1b7'
down_revision = 'c4f2a9e7d1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('maintenance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('retry_after', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_maintenance_changed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance'))
    )


def downgrade():
    op.drop_table('maintenance')
