"""history of each CRA

The operation log keeps the fields an update changed and the sending device's label; the
operations refused or in conflict are kept apart, for their sender's history of the record.

Revision ID: d2b9e4f7a3c1
Revises: c4f8a2e6d1b7
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd2b9e4f7a3c1'
down_revision = 'c4f8a2e6d1b7'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('cra_operation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('champs', JSON_DOCUMENT, nullable=True))
        batch_op.add_column(sa.Column('appareil', sa.String(length=80), nullable=True))
    op.create_table('cra_operation_refusee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('op_id', sa.Uuid(), nullable=False),
    sa.Column('objet', sa.String(length=20), nullable=False),
    sa.Column('cra_id', sa.Uuid(), nullable=False),
    sa.Column('conseiller_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('statut', sa.String(length=10), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('errors', JSON_DOCUMENT, nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_time', sa.String(length=40), nullable=True),
    sa.Column('appareil', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['conseiller_id'], ['conseiller.id'], name=op.f('fk_cra_operation_refusee_conseiller_id_conseiller')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cra_operation_refusee')),
    sa.UniqueConstraint('op_id', 'conseiller_id', name=op.f('uq_cra_operation_refusee_op_id'))
    )
    op.create_index('ix_cra_operation_refusee_conseiller_cra', 'cra_operation_refusee', ['conseiller_id', 'cra_id'], unique=False)


def downgrade():
    op.drop_index('ix_cra_operation_refusee_conseiller_cra', table_name='cra_operation_refusee')
    op.drop_table('cra_operation_refusee')
    with op.batch_alter_table('cra_operation', schema=None) as batch_op:
        batch_op.drop_column('appareil')
        batch_op.drop_column('champs')
