"""client_id of each lieu d'activité

A lieu added on a phone (offline too) carries the UUID the phone gave it, unique per conseiller:
a replayed creation (a lost answer, a retry) finds the lieu it already made instead of adding
a second one.

Revision ID: c4f2a9e7d1b3
Revises: c4f2a8e61d07
Create Date: 2026-12-07 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c4f2a9e7d1b3'
down_revision = 'c4f2a8e61d07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lieu_activite', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_lieu_activite_conseiller_id'), ['conseiller_id', 'client_id']
        )


def downgrade():
    with op.batch_alter_table('lieu_activite', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_lieu_activite_conseiller_id'), type_='unique')
        batch_op.drop_column('client_id')
