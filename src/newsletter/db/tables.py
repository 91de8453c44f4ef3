"""The database tables as the code sees them (the migrations in migrations/ create them).

Every time is stored in UTC. Subscriber ids are plain integers that never change, so that the
delivery ledger (one row per issue and subscriber) can refer to them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from .vocabulary import (
    BOUNCE_KINDS,
    CHANGES,
    CONSENTS,
    DELIVERY_STATES,
    IMPLIED_REASONS,
    OPEN_PLAN_STATES,
    PLAN_STATES,
    STATUSES,
)


class UtcDateTime(sa.TypeDecorator):
    """An aware datetime in UTC, the same on PostgreSQL (timestamptz) and SQLite (text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times in the store must be aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

metadata = sa.MetaData()

# Where Alembic keeps the schema's revision: not its default `alembic_version`, which another
# program sharing the database (PostgreSQL) may have for its own schema.
VERSION_TABLE = "newsletter_alembic_version"

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # The address lowercased after email-validator's normalisation: what "same person" means.
    sa.Column("email_key", sa.String(320), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),  # as the person or the list wrote it
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("status_changed_at", UtcDateTime, nullable=False),
    sa.Column("consent", sa.String(20), nullable=False),
    sa.Column("consented_at", UtcDateTime, nullable=False),
    # NULL for express consent; kept as a column so delivery filters on it in SQL.
    sa.Column("consent_expires_at", UtcDateTime, nullable=True),
    sa.Column("consent_source", sa.Text, nullable=False),
    sa.Column("consent_changed_at", UtcDateTime, nullable=False),
    sa.Column("attributes", Json, nullable=False),  # the list's other columns
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Why implied consent was implied (IMPLIED_REASONS); NULL for express consent, and for
    # implied consent recorded before the reason was (it lasts the longer period, 2 years).
    sa.Column("consent_reason", sa.String(20), nullable=True),
    sa.UniqueConstraint("email_key", name="uq_subscribers_email_key"),
    sa.CheckConstraint(_one_of("status", STATUSES), name="ck_subscribers_status"),
    sa.CheckConstraint(_one_of("consent", CONSENTS), name="ck_subscribers_consent"),
    sa.CheckConstraint(
        f"consent_reason IS NULL OR {_one_of('consent_reason', IMPLIED_REASONS)}",
        name="ck_subscribers_consent_reason",
    ),
    sa.Index("ix_subscribers_status_language", "status", "language"),
    sqlite_autoincrement=True,  # never reuse the id of a forgotten subscriber
)

# Every change of status, consent or preferences, never updated; `forget` blanks the personal
# columns.
subscriber_history = sa.Table(
    "subscriber_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "subscriber_id",
        sa.Integer,
        sa.ForeignKey("subscribers.id", name="fk_subscriber_history_subscriber_id"),
        nullable=True,  # NULL once the person is forgotten
    ),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.Column("change", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("consent", sa.String(20), nullable=False),
    sa.Column("consented_at", UtcDateTime, nullable=False),
    sa.Column("consent_source", sa.Text, nullable=True),
    sa.Column("via", sa.Text, nullable=True),  # what made the change: "import x.csv:4", a command
    sa.Column("actor", sa.Text, nullable=True),  # who: the login name, or "subscriber"
    # What changed, where status and consent do not say it: a `preferences` change's
    # "name: 'Ann' -> 'Ann Smith'; language: en -> ja" (names quoted and escaped). NULL else.
    sa.Column("detail", sa.Text, nullable=True),
    sa.CheckConstraint(_one_of("change", CHANGES), name="ck_subscriber_history_change"),
    sa.Index("ix_subscriber_history_subscriber_id", "subscriber_id"),
)

# People who asked to be forgotten: only a hash of the address, so imports can skip them.
forgotten = sa.Table(
    "forgotten",
    metadata,
    sa.Column("address_hash", sa.String(100), primary_key=True),
    sa.Column("forgotten_at", UtcDateTime, nullable=False),
)

# One edition of an issue being sent: created with its snapshot of recipients, once.
sends = sa.Table(
    "sends",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("issue", sa.String(100), nullable=False),  # the slug
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("recipients", sa.Integer, nullable=False),  # rows in the snapshot
    sa.Column("lapsed", sa.Integer, nullable=False),  # active, but implied consent had lapsed
    sa.Column("cancelled_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),  # when no message was left open
    # The last time any worker recorded progress: a send with open messages and an old
    # heartbeat is stalled, never "running" forever.
    sa.Column("heartbeat_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("issue", "language", name="uq_sends_issue_language"),
    sqlite_autoincrement=True,
)

# A process working on sends: its heartbeat tells the live from the dead.
workers = sa.Table(
    "workers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),
    sa.Column("stopped_at", UtcDateTime, nullable=True),  # a clean stop; NULL while running
    sqlite_autoincrement=True,
)

# One recipient of one send: the ledger. Nobody gets the same edition twice because a row
# is handed to the server only from `claimed`, by the worker that claimed it.
deliveries = sa.Table(
    "deliveries",
    metadata,
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
        nullable=True,  # NULL once the person is forgotten
    ),
    sa.Column("email", sa.String(320), nullable=False),  # as at the send; "" once forgotten
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=True),  # when a deferred one is due
    sa.Column(
        "worker_id",
        sa.Integer,
        sa.ForeignKey("workers.id", name="fk_deliveries_worker_id"),
        nullable=True,
    ),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("reply_code", sa.Integer, nullable=True),  # the server's last reply
    sa.Column("reply", sa.Text, nullable=True),
    sa.Column("message_id", sa.String(255), nullable=True),
    sa.UniqueConstraint("send_id", "subscriber_id", name="uq_deliveries_send_subscriber"),
    sa.CheckConstraint(_one_of("state", DELIVERY_STATES), name="ck_deliveries_state"),
    # No index covers a column that a message's progress changes (state, worker_id, the
    # reply...): PostgreSQL then updates the row in place without touching an index (a HOT
    # update), in the room a fill factor of 50 leaves (set by migration 0006: SQLAlchemy
    # takes it here only from 2.1). Claims walk (send_id, id) a window at a time; due
    # retries are found by next_attempt_at, which changes when one is deferred or retried.
    sa.Index("ix_deliveries_send_id", "send_id", "id"),
    sa.Index("ix_deliveries_send_retry", "send_id", "next_attempt_at"),
    sa.Index("ix_deliveries_subscriber_id", "subscriber_id"),
    sqlite_autoincrement=True,
)

# A delivery planned for a time (`newsletter schedule add`); the scheduler's job store holds
# its trigger, this row what became of it.
plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("issue", sa.String(100), nullable=False),  # the slug when planned
    sa.Column("source", sa.Text, nullable=False),  # its file, re-read at the planned time
    sa.Column("planned_at", UtcDateTime, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),  # done, failed, missed or cancelled
    sa.Column("runner", sa.Text, nullable=True),  # the scheduler sending it (its lease holder)
    sa.Column("content_hash", sa.String(64), nullable=True),  # SHA-256 of what was sent
    sa.Column("outcome", sa.Text, nullable=True),  # what happened, or the errors, in words
    sa.CheckConstraint(_one_of("state", PLAN_STATES), name="ck_plans_state"),
    # One open plan an issue: two could not both send it, but an editor would not know which.
    sa.Index(
        "uq_plans_open_issue",
        "issue",
        unique=True,
        sqlite_where=sa.text(_one_of("state", OPEN_PLAN_STATES)),
        postgresql_where=sa.text(_one_of("state", OPEN_PLAN_STATES)),
    ),
    sqlite_autoincrement=True,
)

# Which `newsletter scheduler` process runs the jobs: one row, held by the process whose
# lease has not expired; the others stand by and take it over when it lapses.
scheduler_lease = sa.Table(
    "scheduler_lease",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("holder", sa.Text, nullable=True),  # host:pid:token; NULL when released
    sa.Column("acquired_at", UtcDateTime, nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=True),
)

# APScheduler's SQLAlchemyJobStore table, as it makes it: created here so that the schema is
# the migrations' alone; APScheduler reads and writes it.
SCHEDULER_JOBS = "scheduler_jobs"
scheduler_jobs = sa.Table(
    SCHEDULER_JOBS,
    metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)

# Subscriptions asked for on the web form (double opt-in): the link's token is stored only as
# a hash, and used once. A confirmed row stays as the record of the consent (CASL: when,
# from which IP address, confirmed when); `forget` deletes a person's rows.
confirmations = sa.Table(
    "confirmations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),  # SHA-256 of the link's token
    sa.Column("email_key", sa.String(320), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("requested_ip", sa.String(45), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("confirmed_at", UtcDateTime, nullable=True),  # NULL until the link is used
    sa.Column("confirmed_ip", sa.String(45), nullable=True),
    sa.UniqueConstraint("token_hash", name="uq_confirmations_token_hash"),
    sa.Index("ix_confirmations_email_key", "email_key"),
    sqlite_autoincrement=True,
)

# A report `bounces process` has read (a DSN, an ARF complaint, an auto-reply, anything):
# by a key made from the report itself, so that reading it again counts nothing twice.
bounce_reports = sa.Table(
    "bounce_reports",
    metadata,
    sa.Column("report_key", sa.String(100), primary_key=True),  # Message-ID, or a hash
    sa.Column("processed_at", UtcDateTime, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # the mailbox it was read from
)

# What a report says about one recipient; a report naming nobody has one row without one.
bounce_events = sa.Table(
    "bounce_events",
    metadata,
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
        nullable=True,  # nobody we know, or forgotten since
    ),
    sa.Column(
        "send_id",
        sa.Integer,
        sa.ForeignKey("sends.id", name="fk_bounce_events_send_id"),
        nullable=True,  # when the report does not say which send it is about
    ),
    sa.Column("email", sa.String(320), nullable=False),  # as the report names it; "" if none
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # the DSN status (5.1.1), or ""
    sa.Column("detail", sa.Text, nullable=False),  # the diagnostic, or the report's subject
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.CheckConstraint(_one_of("kind", BOUNCE_KINDS), name="ck_bounce_events_kind"),
    sa.Index("ix_bounce_events_subscriber_id", "subscriber_id"),
    sa.Index("ix_bounce_events_send_id", "send_id"),
    sqlite_autoincrement=True,
)
