"""The newest schema revision is known from the migrations' file names, without Alembic:
these pin down that the names and Alembic's own chain agree."""

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from newsletter.core import NewsletterError
from newsletter.db import VERSION_TABLE, head_revision, make_engine
from newsletter.db.migrate import MIGRATIONS, alembic_config, current_revision, upgrade


def test_the_head_from_the_file_names_is_alembics_head():
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_each_migration_file_is_named_after_its_revision_and_follows_the_one_before():
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(reversed(list(script.walk_revisions())))  # oldest first
    files = sorted(path.name for path in MIGRATIONS.glob("*.py"))
    assert [revision.revision for revision in revisions] == [f.partition("_")[0] for f in files]
    assert [revision.down_revision for revision in revisions] == [
        None,
        *(revision.revision for revision in revisions[:-1]),
    ]


def test_the_current_revision_is_none_before_the_first_migration_then_the_head(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}", "new.db")
    with engine.connect() as connection:
        assert current_revision(connection) is None
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    with engine.begin() as connection:  # as Alembic's branches would leave it
        connection.execute(sa.text(f"INSERT INTO {VERSION_TABLE} VALUES ('9999')"))
    with engine.connect() as connection, pytest.raises(NewsletterError, match="several"):
        current_revision(connection)
    engine.dispose()
