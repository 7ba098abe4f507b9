"""`python -m pipeline.store`: print the schema of a fresh database.

This is the text pinned in tests/store/schema.sql; after adding a migration, regenerate
it with `python -m pipeline.store > tests/store/schema.sql` and review the diff.
"""

from pipeline.store.migrations import fresh_schema_sql

print(fresh_schema_sql(), end="")
