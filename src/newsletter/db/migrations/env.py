"""Alembic's entry point: runs the migrations on the connection that `migrate.upgrade()` passes."""

from alembic import context

from newsletter.db.tables import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
# render_as_batch: SQLite can only alter a table by copying it, which batch mode does for us.
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    version_table=VERSION_TABLE,
)
with context.begin_transaction():
    context.run_migrations()
