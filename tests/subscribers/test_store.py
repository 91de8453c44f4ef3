"""The subscriber store on SQLite and PostgreSQL: migrations, consent rules, history, forget."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from newsletter.config import load_config
from newsletter.core import NewsletterError
from newsletter.db import (
    VERSION_TABLE,
    Migration,
    current_revision,
    forgotten,
    head_revision,
    make_engine,
    metadata,
    subscriber_history,
    subscribers,
    upgrade,
)
from newsletter.subscribers import (
    Consent,
    Store,
    deliverable_query,
    insert_subscribers,
    new_subscriber_values,
    open_store,
    set_preferences,
)
from tests.subscribers.helpers import NOW, change, held_lock

YEAR = dt.timedelta(days=365)
HEAD = head_revision()


def express(at=NOW - YEAR, source="web form") -> Consent:
    return Consent("express", at, source)


def implied(at=NOW - YEAR, source="business card") -> Consent:
    return Consent("implied", at, source)


def deliverable_emails(store, at=NOW, language=None) -> list[str]:
    with store.reading() as connection:
        return [row.email for row in connection.execute(deliverable_query(at, language))]


def history_of(store, email) -> list[tuple]:
    with store.reading() as connection:
        rows = connection.execute(
            sa.select(
                subscriber_history.c.change,
                subscriber_history.c.status,
                subscriber_history.c.consent,
                subscriber_history.c.via,
            )
            .join(subscribers, subscribers.c.id == subscriber_history.c.subscriber_id)
            .where(subscribers.c.email_key == email.lower())
            .order_by(subscriber_history.c.id)
        )
        return [tuple(row) for row in rows]


def test_opening_migrates_the_first_time_and_is_a_no_op_after(config):
    first = open_store(config)
    second = open_store(config)
    assert first.migration == Migration(first.engine.dialect.name, None, HEAD)
    assert second.migration is None
    with second.reading() as connection:
        assert current_revision(connection) == HEAD
        assert VERSION_TABLE in sa.inspect(connection).get_table_names()
    first.close()
    second.close()


def test_migrated_schema_matches_the_table_definitions(store):
    with store.reading() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_another_programs_alembic_version_table_is_left_alone(database_url, config):
    """A database shared with another program that uses Alembic: its alembic_version is its
    own, and newsletter keeps its revision in newsletter_alembic_version."""
    other = make_engine(database_url)
    with other.begin() as connection:
        connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(sa.text("INSERT INTO alembic_version VALUES ('9f1e2d3c4b5a')"))
    store = open_store(config)
    assert store.migration == Migration(store.engine.dialect.name, None, HEAD)
    store.add("a@example.org", express(), change())
    with other.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [
            ("9f1e2d3c4b5a",)
        ]
    store.close()
    other.dispose()


def test_tables_of_our_names_that_we_did_not_make_are_refused(database_url, config):
    other = make_engine(database_url)
    with other.begin() as connection:
        connection.execute(sa.text("CREATE TABLE subscribers (id INTEGER, mail TEXT)"))
        connection.execute(sa.text("CREATE TABLE forgotten (x INTEGER)"))
    with pytest.raises(NewsletterError) as error:
        open_store(config)
    assert str(error.value) == (
        "the database already has tables named forgotten, subscribers but no "
        "newsletter_alembic_version table to say they are newsletter's: give newsletter a "
        "database of its own"
    )
    with other.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) == {"subscribers", "forgotten"}
    other.dispose()


def test_address_is_kept_as_entered_and_matched_in_any_case(store):
    action, added = store.add("Claire.Tremblay@Example.ORG", express(), change(), "Claire")
    assert action == "added"
    assert (added.email, added.email_key) == (
        "Claire.Tremblay@Example.ORG",
        "claire.tremblay@example.org",
    )
    assert store.get("claire.tremblay@EXAMPLE.org").id == added.id
    action, again = store.add("CLAIRE.TREMBLAY@example.org", express(), change())
    assert (action, again.id, again.email) == ("unchanged", added.id, added.email)


def test_the_database_itself_refuses_a_second_row_for_one_address(store):
    store.add("jane@example.org", express(), change())
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        row = dict(connection.execute(sa.select(subscribers)).mappings().one())
        del row["id"]
        connection.execute(sa.insert(subscribers), [{**row, "email": "JANE@example.org"}])


def test_internationalised_addresses_are_accepted(store):
    store.add("山田.太郎@例え.jp", express(), change(), "山田 太郎", "ja")
    store.add("Jürgen@Bücher.example", express(), change())
    assert store.get("山田.太郎@例え.jp").name == "山田 太郎"
    assert store.get("jürgen@bücher.example").email == "Jürgen@Bücher.example"


def test_invalid_address_and_unknown_language_are_refused_with_reasons(store):
    with pytest.raises(NewsletterError) as error:
        store.add("jane@", express(), change())
    assert (
        str(error.value)
        == "invalid email address 'jane@': There must be something after the @-sign."
    )
    with pytest.raises(NewsletterError) as error:
        store.add("jane@example.org", express(), change(), language="jp")
    assert str(error.value) == "unknown language 'jp'; expected one of: en, ja"


def test_implied_consent_lapses_two_years_after_it_was_given(store):
    given = dt.datetime(2024, 3, 1, 5, 0, tzinfo=dt.UTC)
    store.add("card@example.org", implied(given), change())
    store.add("form@example.org", express(given), change())
    lapse = dt.datetime(2026, 3, 1, 5, 0, tzinfo=dt.UTC)
    assert store.get("card@example.org").consent.expires_at == lapse
    second = dt.timedelta(seconds=1)
    assert deliverable_emails(store, lapse - second) == ["card@example.org", "form@example.org"]
    assert deliverable_emails(store, lapse) == ["form@example.org"]
    assert deliverable_emails(store, given - second) == []


def test_deliverable_query_skips_people_who_left_and_filters_by_language(store):
    store.add("en@example.org", express(), change(), language="en")
    store.add("ja@example.org", express(), change(), language="ja")
    store.add("left@example.org", express(), change())
    store.set_status("left@example.org", "unsubscribed", change())
    store.add("bounced@example.org", express(), change())
    store.set_status("bounced@example.org", "bounced", change())
    assert deliverable_emails(store) == ["en@example.org", "ja@example.org"]
    assert deliverable_emails(store, language="ja") == ["ja@example.org"]


def test_newer_implied_consent_renews_the_old_one(store):
    store.add("card@example.org", implied(NOW - 2 * YEAR), change())
    action, renewed = store.add("card@example.org", implied(NOW - YEAR, "workshop 2025"), change())
    assert action == "consent"
    assert renewed.consent == implied(NOW - YEAR, "workshop 2025")
    assert deliverable_emails(store) == ["card@example.org"]


def test_implied_consent_never_replaces_express_consent(store):
    store.add("form@example.org", express(NOW - 2 * YEAR), change())
    action, kept = store.add("form@example.org", implied(NOW - YEAR), change())
    assert action == "unchanged"
    assert kept.consent == express(NOW - 2 * YEAR)


def test_unsubscribed_person_is_not_reactivated_by_implied_consent(store):
    store.add("gone@example.org", express(), change())
    store.set_status("gone@example.org", "unsubscribed", change(at=NOW - dt.timedelta(days=30)))
    with pytest.raises(NewsletterError) as error:
        store.add("gone@example.org", implied(NOW), change())
    assert str(error.value) == (
        "gone@example.org is unsubscribed (since 2025-12-16); only a new express consent "
        "re-activates them: --consent express --source HOW --consented-at DATE"
    )
    assert store.get("gone@example.org").status == "unsubscribed"


def test_express_consent_older_than_the_unsubscribe_does_not_reactivate(store):
    store.add("gone@example.org", express(), change())
    store.set_status("gone@example.org", "unsubscribed", change(at=NOW - dt.timedelta(days=30)))
    with pytest.raises(NewsletterError, match="the express consent must be newer than that"):
        store.add("gone@example.org", express(NOW - dt.timedelta(days=60)), change())


def test_new_express_consent_reactivates_with_its_own_date_and_source(store):
    store.add("back@example.org", implied(), change("import"))
    left = change("unsubscribe link", at=NOW - dt.timedelta(days=1))
    store.set_status("back@example.org", "unsubscribed", left)
    again = express(NOW, "signed up again at the 2026 reception")
    action, subscriber = store.add("back@example.org", again, change("subscribers add"))
    assert action == "resubscribed"
    assert (subscriber.status, subscriber.consent) == ("active", again)
    assert history_of(store, "back@example.org") == [
        ("added", "active", "implied", "import"),
        ("status", "unsubscribed", "implied", "unsubscribe link"),
        ("resubscribed", "active", "express", "subscribers add"),
    ]


def test_setting_the_same_status_twice_records_one_change(store):
    store.add("gone@example.org", express(), change())
    assert store.set_status("gone@example.org", "complained", change())[0] is True
    assert store.set_status("gone@example.org", "complained", change())[0] is False
    assert [row[0] for row in history_of(store, "gone@example.org")] == ["added", "status"]
    with pytest.raises(NewsletterError, match="only a new express consent makes someone active"):
        store.set_status("gone@example.org", "active", change())


def test_adding_someone_again_with_a_new_name_records_what_it_changed(store):
    store.add("pat@example.org", express(), change("subscribers add"), "Pat", "en")
    store.add("pat@example.org", express(), change("subscribers add"), "Pat Doe", "ja")
    store.add("pat@example.org", express(), change("subscribers add"), "Pat Doe", "ja")
    with store.reading() as connection:
        details = connection.execute(
            sa.select(subscriber_history.c.change, subscriber_history.c.detail).order_by(
                subscriber_history.c.id
            )
        ).all()
    assert [tuple(d) for d in details] == [
        ("added", None),
        ("preferences", "name: 'Pat' -> 'Pat Doe'; language: en -> ja"),
    ]


def test_a_change_of_preferences_during_an_import_waits_for_it(store):
    """An import holds the table for its whole transaction (PostgreSQL: SHARE ROW EXCLUSIVE)
    and may reach the subscriber late: the page's save must wait behind it, not take the
    subscriber's row first and deadlock with it."""
    _, pat = store.add("pat@example.org", express(), change("subscribers add"), "Pat")
    importing, saving = threading.Event(), threading.Event()
    errors = []

    def an_import() -> None:
        with store.transaction() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("LOCK TABLE subscribers IN SHARE ROW EXCLUSIVE MODE"))
            importing.set()
            saving.wait(5)
            time.sleep(0.5)  # the save is under way meanwhile
            update = sa.update(subscribers).where(subscribers.c.id == pat.id)
            connection.execute(update.values(language="ja"))

    def a_save() -> None:
        importing.wait(5)
        saving.set()
        try:
            set_preferences(store, pat.id, "Pat Doe", "ja", change("preferences page"))
        except Exception as exc:  # a deadlock, when the save takes the row first
            errors.append(exc)

    threads = [threading.Thread(target=an_import), threading.Thread(target=a_save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert (store.get("pat@example.org").name, store.get("pat@example.org").language) == (
        "Pat Doe",
        "ja",
    )
    with store.reading() as connection:
        [detail] = connection.execute(
            sa.select(subscriber_history.c.detail).where(
                subscriber_history.c.change == "preferences"
            )
        ).scalars()
    assert detail == "name: 'Pat' -> 'Pat Doe'"  # the import had made it ja already


def test_forget_deletes_the_person_and_leaves_history_without_personal_data(store):
    _, subscriber = store.add("Private@Example.org", implied(), change("import x.csv:3"), "Pat")
    set_preferences(store, subscriber.id, "Pat Doe", "en", change("preferences page"))
    store.set_status("private@example.org", "unsubscribed", change("subscribers unsubscribe"))
    assert store.forget("PRIVATE@example.org", change("subscribers forget")) == "forgotten"
    assert store.get("private@example.org") is None
    with store.reading() as connection:
        rows = connection.execute(sa.select(subscriber_history)).mappings().all()
        hashes = connection.execute(sa.select(forgotten.c.address_hash)).scalars().all()
        dump = str(connection.execute(sa.select(subscribers)).all()) + str(rows)
    personal = ("subscriber_id", "consent_source", "via", "actor", "detail")
    assert [tuple(r[column] for column in personal) for r in rows] == [(None,) * 5] * 3
    assert [(r["change"], r["status"]) for r in rows] == [
        ("added", "active"),
        ("preferences", "active"),
        ("status", "unsubscribed"),
    ]  # counts survive
    assert "private" not in dump.lower() and "Pat" not in dump
    assert len(hashes) == 1 and hashes[0].startswith("sha256:")
    assert "private" not in hashes[0]
    assert store.forget("private@example.org", change()) == "already"
    assert subscriber.id not in {r["subscriber_id"] for r in rows}


def test_forget_hash_is_keyed_with_the_secret_key_when_set(sample_project, environ):
    store = open_store(load_config(sample_project, {**environ, "NEWSLETTER_SECRET_KEY": "k"}))
    assert store.forget("nobody@example.org", change()) == "recorded"
    with store.reading() as connection:
        [stored] = connection.execute(sa.select(forgotten.c.address_hash)).scalars().all()
    assert stored.startswith("hmac-sha256:")
    with pytest.raises(NewsletterError, match="asked to be forgotten on 2026-01-15"):
        store.add("nobody@example.org", implied(), change())
    store.close()


def test_forgotten_person_may_come_back_only_on_a_newer_express_consent(store):
    store.add("back@example.org", express(), change())
    store.forget("back@example.org", change(at=NOW - dt.timedelta(days=10)))
    with pytest.raises(NewsletterError) as error:
        store.add("back@example.org", express(NOW - dt.timedelta(days=20)), change())
    assert str(error.value) == (
        "'back@example.org' asked to be forgotten on 2026-01-05; only an express consent "
        "given after that may add them again (--consent express --consented-at DATE)"
    )
    action, subscriber = store.add("back@example.org", express(NOW), change())
    assert (action, subscriber.status) == ("added", "active")
    with store.reading() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(forgotten)).scalar() == 0


def test_ids_of_forgotten_subscribers_are_never_reused(store):
    store.add("first@example.org", express(), change())
    _, last = store.add("last@example.org", express(), change())
    store.forget("last@example.org", change())
    _, newer = store.add("newer@example.org", express(), change())
    assert newer.id > last.id


def test_name_or_source_that_is_not_one_line_is_refused(store):
    with pytest.raises(NewsletterError) as error:
        store.add("a@example.org", express(), change(), "Ann\r\nBcc: x@example.org")
    assert str(error.value) == "name: has a line break"
    with pytest.raises(NewsletterError) as error:
        store.add("a@example.org", express(source="form\x1b[31m"), change())
    assert str(error.value) == "source: has a control character (U+001B)"
    assert store.get("a@example.org") is None


def test_consent_dated_in_the_future_is_refused(store):
    with pytest.raises(NewsletterError, match="the consent date 2026-01-16 is in the future"):
        store.add("early@example.org", express(NOW + dt.timedelta(days=1)), change())


def test_unreachable_postgres_is_a_one_line_error(sample_project):
    url = "postgresql://newsletter:secret@127.0.0.1:1/letters"
    config = load_config(sample_project, {"NEWSLETTER_DATABASE_URL": url})
    with pytest.raises(NewsletterError) as error:
        open_store(config)
    assert str(error.value) == (
        "cannot open the database postgresql://newsletter:***@127.0.0.1:1/letters: "
        "connection refused"
    )


def test_sqlite_file_in_a_missing_folder_is_a_one_line_error(sample_project):
    config = load_config(sample_project, {"NEWSLETTER_DATABASE_URL": "sqlite:///no/such/x.db"})
    with pytest.raises(NewsletterError) as error:
        open_store(config)
    assert str(error.value) == (
        f"cannot open the database {sample_project.resolve()}/no/such/x.db: unable to open "
        "database file (does its folder exist, and may you write there?)"
    )


def test_file_that_is_not_a_sqlite_database_is_a_one_line_error(sample_project, monkeypatch):
    monkeypatch.chdir(sample_project)
    (sample_project / "newsletter.db").write_bytes(b"PK\x03\x04 a zip file, not SQLite" * 100)
    config = load_config(sample_project, {"NEWSLETTER_DATABASE_URL": "sqlite:///newsletter.db"})
    with pytest.raises(NewsletterError) as error:
        open_store(config)
    assert str(error.value) == "cannot open the database newsletter.db: file is not a database"


def test_database_from_a_newer_version_is_refused(store, config):
    with store.engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    with pytest.raises(NewsletterError) as error:
        open_store(config)
    assert str(error.value) == (
        "the database's schema is revision 9999, newer than this version of newsletter "
        f"knows ({HEAD}); upgrade newsletter"
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_adding_an_address_another_command_is_adding_waits_and_updates(store):
    """Two `subscribers add` of one new address at once: the second, blocked on the unique
    index until the first commits, finds them added and records nothing twice."""
    outcome = []

    def add_concurrently():
        outcome.append(store.add("Same@example.org", express(NOW, "second add"), change()))

    with store.transaction() as connection:
        row = new_subscriber_values(
            "same@example.org", "same@example.org", "", "en", implied(), {}, NOW
        )
        insert_subscribers(connection, [row])
        second = threading.Thread(target=add_concurrently)
        second.start()
        waiting = sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        deadline = time.monotonic() + 10
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            while not watcher.execute(waiting).scalar() and time.monotonic() < deadline:
                time.sleep(0.02)
            assert watcher.execute(waiting).scalar() == 1, "the second add never waited"
    second.join(timeout=10)
    [(action, subscriber)] = outcome
    assert (action, subscriber.email) == ("consent", "same@example.org")
    assert subscriber.consent == express(NOW, "second add")
    assert [row[0] for row in history_of(store, "same@example.org")] == ["consent"]


LOCKED_TOO_LONG = (
    "the database newsletter.db stayed locked for 1.5 s: another program (an import?) is "
    "writing to it; try again when it has finished"
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "command",
    [
        lambda store: store.add("a@example.org", express(), change()),  # a write
        lambda store: store.get("a@example.org"),  # a read
        lambda store: upgrade(store.engine),  # what opening the database reads first
    ],
    ids=["write", "read", "open"],
)
def test_a_database_locked_too_long_is_a_clear_error(store, config, command):
    database = config.database_url.removeprefix("sqlite:///")
    engine = make_engine(config.database_url, "newsletter.db", lock_timeout=1.5)
    impatient = Store(engine, config)
    started = time.monotonic()
    with held_lock(database, seconds=10), pytest.raises(NewsletterError) as error:
        command(impatient)
    assert str(error.value) == LOCKED_TOO_LONG
    assert 1.5 <= time.monotonic() - started < 5
    assert store.get("a@example.org") is None
    engine.dispose()


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (NOW, "2026-01-15 12:00 EST"),
        (dt.datetime(2026, 1, 15, 5, 0, tzinfo=dt.UTC), "2026-01-15 00:00 EST"),  # midnight
        (dt.datetime(2026, 7, 1, 16, 30, tzinfo=dt.UTC), "2026-07-01 12:30 EDT"),
    ],
)
def test_moments_are_shown_where_the_newsletter_is_with_the_zone(store, moment, shown):
    assert store.moment(moment) == shown
