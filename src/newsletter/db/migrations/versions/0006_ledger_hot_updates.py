"""The ledger's rows change state in place: no index covers a column a message's progress
changes, so PostgreSQL updates them without touching an index (HOT updates), in the room
a fill factor of 50 leaves on each page.

The (send_id, state, id) index that claims walked is replaced by (send_id, id): claims go
through a send's ids a window at a time (delivery/ledger.py), and due retries are found
by (send_id, next_attempt_at), which changes only when a message is deferred.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_deliveries_send_state", table_name="deliveries")
    op.create_index("ix_deliveries_send_id", "deliveries", ["send_id", "id"])
    op.create_index("ix_deliveries_send_retry", "deliveries", ["send_id", "next_attempt_at"])
    if op.get_bind().dialect.name == "postgresql":
        # For the pages written from now on: the rows of the next sends.
        op.execute("ALTER TABLE deliveries SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries RESET (fillfactor)")
    op.drop_index("ix_deliveries_send_retry", table_name="deliveries")
    op.drop_index("ix_deliveries_send_id", table_name="deliveries")
    op.create_index("ix_deliveries_send_state", "deliveries", ["send_id", "state", "id"])
