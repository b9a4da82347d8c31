"""linkage: report columns for place, location precision and confidence; incident tombstones,
scope and conflicts; the review queue, decisions, claims and outcome ledgers, overrides

Location precision and confidence were kept inside the reports' evidence JSON
until now; they are copied into their columns here.

Revision ID: 0003
Revises: 0002
"""

import json

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place_id', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('location_precision', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('confidence', sa.String(length=16), nullable=True))
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('in_scope', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('conflicts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('derivation', sa.JSON(), nullable=True))
        batch_op.create_index('ix_incidents_merged_into', ['merged_into'], unique=False)
    op.create_table('link_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('settings_digest', sa.String(length=64), nullable=False),
    sa.Column('engine', sa.String(length=16), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('link_pairs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('report_a', sa.Integer(), nullable=False),
    sa.Column('report_b', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_a'], ['reports.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_b'], ['reports.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['link_runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_a', 'report_b', name='uq_link_pair')
    )
    with op.batch_alter_table('link_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_link_pairs_report_a', ['report_a'], unique=False)
        batch_op.create_index('ix_link_pairs_report_b', ['report_b'], unique=False)
    op.create_table('link_decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('report_a', sa.Integer(), nullable=False),
    sa.Column('report_b', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.String(length=128), nullable=True),
    sa.Column('pair_id', sa.Integer(), nullable=True),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['report_a'], ['reports.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_b'], ['reports.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('link_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_link_decisions_report_a', ['report_a'], unique=False)
    op.create_table('claims',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.String(length=128), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.String(length=80), nullable=True),
    sa.Column('actor_name', sa.Text(), nullable=True),
    sa.Column('made_by', sa.Text(), nullable=True),
    sa.Column('stated_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('ix_claims_incident_id', ['incident_id'], unique=False)
    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.String(length=128), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('munition_type', sa.String(length=32), nullable=False),
    sa.Column('launched', sa.Integer(), nullable=True),
    sa.Column('intercepted', sa.Integer(), nullable=True),
    sa.Column('impacted', sa.Integer(), nullable=True),
    sa.Column('failed', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_outcomes_incident_id', ['incident_id'], unique=False)
    op.create_table('incident_overrides',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.String(length=128), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_incident_overrides_incident_id', ['incident_id'], unique=False)
    _lift_from_evidence()


def _lift_from_evidence() -> None:
    """Copy location precision, place and confidence out of each report's evidence into their columns."""
    conn = op.get_bind()
    reports = sa.table('reports', sa.column('id'), sa.column('evidence'), sa.column('place_id'),
                       sa.column('location_precision'), sa.column('confidence'))
    updates = []
    for report_id, evidence in conn.execute(sa.select(reports.c.id, reports.c.evidence)):
        if isinstance(evidence, str):
            evidence = json.loads(evidence)
        if not isinstance(evidence, dict):
            continue
        values = {name: evidence.get(name) for name in ('place_id', 'location_precision', 'confidence')}
        if any(v is not None for v in values.values()):
            updates.append({'key': report_id, **{k: (str(v) if v is not None else None) for k, v in values.items()}})
    if updates:
        conn.execute(reports.update().where(reports.c.id == sa.bindparam('key')).values(
            place_id=sa.bindparam('place_id'), location_precision=sa.bindparam('location_precision'),
            confidence=sa.bindparam('confidence')), updates)


def downgrade() -> None:
    for table in ('incident_overrides', 'outcomes', 'claims', 'link_decisions', 'link_pairs', 'link_runs'):
        op.drop_table(table)
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_merged_into')
        for column in ('derivation', 'conflicts', 'in_scope', 'merged_into'):
            batch_op.drop_column(column)
    with op.batch_alter_table('reports', schema=None) as batch_op:
        for column in ('confidence', 'location_precision', 'place_id'):
            batch_op.drop_column(column)
