"""login failures per (account, client address) replace the account-wide lock

Revision ID: 9a3f6b2c4d18
Revises: 5c1e2a7d9f30
Create Date: 2026-12-07 11:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a3f6b2c4d18'
down_revision = '5c1e2a7d9f30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_failure',
    sa.Column('compte', sa.String(length=64), nullable=False),
    sa.Column('adresse', sa.String(length=45), nullable=False),
    sa.Column('echecs', sa.Integer(), nullable=False),
    sa.Column('dernier_echec', sa.DateTime(timezone=True), nullable=False),
    sa.Column('bloque_jusqu_a', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('compte', 'adresse', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_dernier_echec'), ['dernier_echec'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_dernier_echec'))

    op.drop_table('login_failure')
