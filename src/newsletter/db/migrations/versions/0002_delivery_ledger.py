"""The delivery ledger: sends, the workers that send them, one row per recipient.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Written out in full rather than imported from db/tables.py, as 0001 is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE_CHECK = (
    "state IN ('pending', 'claimed', 'sending', 'sent', 'deferred', 'failed', 'uncertain', "
    "'skipped', 'cancelled')"
)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sends",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue", sa.String(100), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        _time("created_at"),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("lapsed", sa.Integer, nullable=False),
        _time("cancelled_at", nullable=True),
        _time("finished_at", nullable=True),
        _time("heartbeat_at", nullable=True),
        sa.UniqueConstraint("issue", "language", name="uq_sends_issue_language"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        _time("started_at"),
        _time("heartbeat_at"),
        _time("stopped_at", nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "send_id",
            sa.Integer,
            sa.ForeignKey("sends.id", name="fk_deliveries_send_id"),
            nullable=False,
        ),
        sa.Column(
            "subscriber_id",
            sa.Integer,
            sa.ForeignKey("subscribers.id", name="fk_deliveries_subscriber_id"),
            nullable=True,
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _time("next_attempt_at", nullable=True),
        sa.Column(
            "worker_id",
            sa.Integer,
            sa.ForeignKey("workers.id", name="fk_deliveries_worker_id"),
            nullable=True,
        ),
        _time("updated_at"),
        sa.Column("reply_code", sa.Integer, nullable=True),
        sa.Column("reply", sa.Text, nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.UniqueConstraint("send_id", "subscriber_id", name="uq_deliveries_send_subscriber"),
        sa.CheckConstraint(STATE_CHECK, name="ck_deliveries_state"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_deliveries_send_state", "deliveries", ["send_id", "state", "id"])
    op.create_index("ix_deliveries_subscriber_id", "deliveries", ["subscriber_id"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("workers")
    op.drop_table("sends")
