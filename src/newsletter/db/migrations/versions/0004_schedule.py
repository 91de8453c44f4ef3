"""Planned deliveries: the plans, the scheduler's lease, and APScheduler's job store.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Written out in full rather than imported from db/tables.py, as 0001 and 0002 are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE_CHECK = "state IN ('scheduled', 'running', 'done', 'missed', 'failed', 'cancelled')"
OPEN = "state IN ('scheduled', 'running')"


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue", sa.String(100), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        _time("planned_at"),
        sa.Column("state", sa.String(20), nullable=False),
        _time("created_at"),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
        sa.Column("runner", sa.Text, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.CheckConstraint(STATE_CHECK, name="ck_plans_state"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_plans_open_issue",
        "plans",
        ["issue"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    lease = op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("holder", sa.Text, nullable=True),
        _time("acquired_at", nullable=True),
        _time("expires_at", nullable=True),
    )
    op.bulk_insert(lease, [{"name": "scheduler"}])  # the one row every scheduler competes for
    op.create_table(
        "scheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_scheduler_jobs_next_run_time", "scheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("scheduler_jobs")
    op.drop_table("scheduler_lease")
    op.drop_table("plans")
