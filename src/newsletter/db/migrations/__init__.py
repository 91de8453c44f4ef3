"""Alembic migrations of the store, run by `database.upgrade()` whenever a command opens it.

The next one: copy the newest file in versions/, give it the next number as `revision` and
the previous one as `down_revision`, write its upgrade() with `op.*`, and change
store_schema.py to match; tests/test_store.py checks on both databases that the migrated
schema and store_schema.py agree. On SQLite, altering a table means rebuilding it: use
`op.batch_alter_table`. Foreign keys are off while migrations run (SQLite's own procedure
for schema changes) and checked before the commit.
"""
