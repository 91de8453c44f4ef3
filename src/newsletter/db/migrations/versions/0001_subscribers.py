"""Subscribers with their consent, its history, and the hashes of forgotten addresses.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Written out in full rather than imported from db/tables.py: a migration must keep
creating the same tables after the code's idea of them has moved on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_CHECK = "status IN ('active', 'unsubscribed', 'bounced', 'complained')"
CONSENT_CHECK = "consent IN ('express', 'implied')"
CHANGE_CHECK = "change IN ('added', 'status', 'consent', 'resubscribed')"


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _time("status_changed_at"),
        sa.Column("consent", sa.String(20), nullable=False),
        _time("consented_at"),
        _time("consent_expires_at", nullable=True),
        sa.Column("consent_source", sa.Text, nullable=False),
        _time("consent_changed_at"),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        _time("created_at"),
        sa.UniqueConstraint("email_key", name="uq_subscribers_email_key"),
        sa.CheckConstraint(STATUS_CHECK, name="ck_subscribers_status"),
        sa.CheckConstraint(CONSENT_CHECK, name="ck_subscribers_consent"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_subscribers_status_language", "subscribers", ["status", "language"])
    op.create_table(
        "subscriber_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "subscriber_id",
            sa.Integer,
            sa.ForeignKey("subscribers.id", name="fk_subscriber_history_subscriber_id"),
            nullable=True,
        ),
        _time("changed_at"),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("consent", sa.String(20), nullable=False),
        _time("consented_at"),
        sa.Column("consent_source", sa.Text, nullable=True),
        sa.Column("via", sa.Text, nullable=True),
        sa.Column("actor", sa.Text, nullable=True),
        sa.CheckConstraint(CHANGE_CHECK, name="ck_subscriber_history_change"),
    )
    op.create_index("ix_subscriber_history_subscriber_id", "subscriber_history", ["subscriber_id"])
    op.create_table(
        "forgotten",
        sa.Column("address_hash", sa.String(100), primary_key=True),
        _time("forgotten_at"),
    )


def downgrade() -> None:
    op.drop_table("forgotten")
    op.drop_table("subscriber_history")
    op.drop_table("subscribers")
