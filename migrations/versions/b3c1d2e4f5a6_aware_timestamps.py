"""timestamps are timezone-aware (stored UTC)

Revision ID: b3c1d2e4f5a6
Revises: e7a1c9d3f2b6
Create Date: 2026-11-30 10:10:00

PostgreSQL: every timestamp column becomes ``timestamp with time zone``; the stored values were
naive UTC, so they are read as UTC. SQLite has no zone type: the stored UTC wall time stays as it
is and the model's type (``fieldapp.extensions.UTCDateTime``) puts the zone back when reading.
"""
from alembic import op


revision = 'b3c1d2e4f5a6'
down_revision = 'e7a1c9d3f2b6'
branch_labels = None
depends_on = None

# (table, column) of every timestamp at the time of this migration.
COLUMNS = [
    ('checklist_version', 'created_at'),
    ('subject', 'created_at'),
    ('subject', 'updated_at'),
    ('subject_change', 'changed_at'),
    ('user_account', 'created_at'),
    ('visit', 'started_at'),
    ('visit', 'created_at'),
    ('audit_event', 'occurred_at'),
    ('calendar_day', 'created_at'),
    ('inspector', 'created_at'),
    ('plan', 'filed_at'),
    ('plan', 'acknowledged_at'),
    ('plan', 'published_at'),
    ('plan', 'created_at'),
    ('plan', 'updated_at'),
    ('submission', 'inspected_on'),
    ('submission', 'received_at'),
    ('submission', 'completed_at'),
    ('inspector_change', 'recorded_at'),
    ('media_file', 'created_at'),
    ('plan_version', 'created_at'),
    ('task', 'created_at'),
    ('draw_commitment', 'created_at'),
    ('draw_commitment', 'closed_at'),
    ('inspection_result', 'approved_at'),
    ('joint_invitation', 'invited_at'),
    ('joint_invitation', 'responded_at'),
    ('abnormal_listing_proposal', 'proposed_at'),
    ('abnormal_listing_proposal', 'decided_at'),
    ('draw', 'created_at'),
    ('follow_up_case', 'opened_at'),
    ('published_result', 'published_at'),
    ('draw_assignment', 'created_at'),
    ('draw_assignment', 'ended_at'),
    ('job', 'created_at'),
    ('job', 'started_at'),
    ('job', 'heartbeat_at'),
    ('job', 'finished_at'),
    ('draw_record', 'created_at'),
    ('device_login', 'created_at'),
    ('device_login', 'last_used_at'),
    ('device_login', 'revoked_at'),
    ('inspection_item', 'mapping_confirmed_at'),
]


def _alter(target: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {target} USING "{column}" AT TIME ZONE \'UTC\''
        )


def upgrade():
    _alter("TIMESTAMP WITH TIME ZONE")


def downgrade():
    _alter("TIMESTAMP WITHOUT TIME ZONE")
