"""The history records a subscriber's change of preferences: a change of kind `preferences`,
and a `detail` column saying what it changed (`language: en -> ja`).

SQLite cannot alter a CHECK constraint: batch mode copies subscriber_history (rows and ids
kept; the table has no AUTOINCREMENT to lose) from the table as 0001 made it, written out
below rather than reflected. PostgreSQL alters it in place.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Written out in full rather than imported from db/tables.py, as 0001 is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANGE_CONSTRAINT = "ck_subscriber_history_change"
OLD_CHANGE_CHECK = "change IN ('added', 'status', 'consent', 'resubscribed')"
CHANGE_CHECK = "change IN ('added', 'status', 'consent', 'resubscribed', 'preferences')"


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _history(check: str, *detail: sa.Column) -> sa.Table:
    """subscriber_history as 0001 made it, with this CHECK (and perhaps 0007's `detail`):
    what batch mode copies on SQLite."""
    return sa.Table(
        "subscriber_history",
        sa.MetaData(),
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
        *detail,
        sa.CheckConstraint(check, name=CHANGE_CONSTRAINT),
        sa.Index("ix_subscriber_history_subscriber_id", "subscriber_id"),
    )


def upgrade() -> None:
    with op.batch_alter_table("subscriber_history", copy_from=_history(OLD_CHANGE_CHECK)) as batch:
        batch.drop_constraint(CHANGE_CONSTRAINT, type_="check")
        batch.create_check_constraint(CHANGE_CONSTRAINT, CHANGE_CHECK)
        batch.add_column(sa.Column("detail", sa.Text, nullable=True))


def downgrade() -> None:
    # 0006's schema has no room for a change of preferences: going back deletes those rows.
    op.execute("DELETE FROM subscriber_history WHERE change = 'preferences'")
    detail = sa.Column("detail", sa.Text, nullable=True)
    with op.batch_alter_table(
        "subscriber_history", copy_from=_history(CHANGE_CHECK, detail)
    ) as batch:
        batch.drop_column("detail")
        batch.drop_constraint(CHANGE_CONSTRAINT, type_="check")
        batch.create_check_constraint(CHANGE_CONSTRAINT, OLD_CHANGE_CHECK)
