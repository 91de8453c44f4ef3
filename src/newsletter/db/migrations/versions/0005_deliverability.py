"""Deliverability: bounce and complaint reports read back, and why implied consent was implied.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Written out in full rather than imported from db/tables.py, as 0001 is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK = "kind IN ('hard', 'soft', 'complaint', 'auto-reply', 'unknown')"
REASON_CHECK = "consent_reason IS NULL OR consent_reason IN ('purchase', 'inquiry')"


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its CHECK in place; Alembic's batch mode would copy the
        # table instead, and lose its AUTOINCREMENT (ids of forgotten people never reused).
        op.execute(
            "ALTER TABLE subscribers ADD COLUMN consent_reason VARCHAR(20) "
            f"CONSTRAINT ck_subscribers_consent_reason CHECK ({REASON_CHECK})"
        )
    else:
        op.add_column("subscribers", sa.Column("consent_reason", sa.String(20), nullable=True))
        op.create_check_constraint("ck_subscribers_consent_reason", "subscribers", REASON_CHECK)
    op.create_table(
        "bounce_reports",
        sa.Column("report_key", sa.String(100), primary_key=True),
        _time("processed_at"),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "bounce_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_key",
            sa.String(100),
            sa.ForeignKey("bounce_reports.report_key", name="fk_bounce_events_report_key"),
            nullable=False,
        ),
        sa.Column(
            "subscriber_id",
            sa.Integer,
            sa.ForeignKey("subscribers.id", name="fk_bounce_events_subscriber_id"),
            nullable=True,
        ),
        sa.Column(
            "send_id",
            sa.Integer,
            sa.ForeignKey("sends.id", name="fk_bounce_events_send_id"),
            nullable=True,
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        _time("received_at"),
        sa.CheckConstraint(KIND_CHECK, name="ck_bounce_events_kind"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_bounce_events_subscriber_id", "bounce_events", ["subscriber_id"])
    op.create_index("ix_bounce_events_send_id", "bounce_events", ["send_id"])


def downgrade() -> None:
    op.drop_table("bounce_events")
    op.drop_table("bounce_reports")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_constraint("ck_subscribers_consent_reason", type_="check")
        batch.drop_column("consent_reason")
