"""objet of each sync operation

The operation log names what each operation changed ("cra" or "cra_coordination"), so an op_id
reused for the same id under the other kind of record is told from a replay
(sync/PROTOCOL.md, rule 1).

Revision ID: b3e7d1a5c9f2
Revises: 9a3f6b2c4d18
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b3e7d1a5c9f2'
down_revision = '9a3f6b2c4d18'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cra_operation', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('objet', sa.String(length=20), server_default='cra', nullable=False)
        )
    # Existing rows: an operation is a coordination CRA's when its record is a coordination
    # CRA of the same conseiller and no CRA of theirs has that id (then "cra" stays, as before).
    op.execute(
        """
        UPDATE cra_operation SET objet = 'cra_coordination'
        WHERE EXISTS (
            SELECT 1 FROM cra_coordination
            WHERE cra_coordination.id = cra_operation.cra_id
              AND cra_coordination.conseiller_id = cra_operation.conseiller_id
        )
        AND NOT EXISTS (
            SELECT 1 FROM cra
            WHERE cra.id = cra_operation.cra_id
              AND cra.conseiller_id = cra_operation.conseiller_id
        )
        """
    )


def downgrade():
    with op.batch_alter_table('cra_operation', schema=None) as batch_op:
        batch_op.drop_column('objet')
