"""The newest schema revision is known from the migrations' file names, without Alembic:
these pin down that the names and Alembic's own chain agree."""

from alembic.script import ScriptDirectory

from newsletter.db import head_revision
from newsletter.db.migrate import MIGRATIONS, alembic_config


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
