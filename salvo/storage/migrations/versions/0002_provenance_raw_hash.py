"""provenance keeps a digest of its raw row

One provenance entry per report and file: re-reading a file refreshes the
entry (raw row, row number, time) when the raw row changed, instead of adding
another.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('provenance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_hash', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('provenance', schema=None) as batch_op:
        batch_op.drop_column('raw_hash')
