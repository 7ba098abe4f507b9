"""Store: the SQLite database, the only place that speaks SQL or imports sqlite-utils.

Input and output: the stages' records (`pipeline.models`). Side effects: one database
file in WAL mode whose schema is built by `migrations.py`; rows convert to records in
`rows.py`.
"""

from pipeline.store.database import Store

__all__ = ["Store"]
