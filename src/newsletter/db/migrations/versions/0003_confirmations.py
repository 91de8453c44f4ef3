"""Subscriptions asked for on the web form, waiting for (or kept after) their confirmation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

Written out in full rather than imported from db/tables.py, as 0001 is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        _time("requested_at"),
        sa.Column("requested_ip", sa.String(45), nullable=False),
        _time("expires_at"),
        _time("confirmed_at", nullable=True),
        sa.Column("confirmed_ip", sa.String(45), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_confirmations_token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_confirmations_email_key", "confirmations", ["email_key"])


def downgrade() -> None:
    op.drop_table("confirmations")
