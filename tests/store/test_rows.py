from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from pipeline.models import Tag
from pipeline.store.rows import record_from_row, row_from_record


@dataclass(frozen=True)
class Sample:
    """A record with one field of each kind the store converts."""

    name: str
    day: date | None
    flag: bool
    tags: tuple[Tag, ...] = field(default_factory=tuple)
    note: str | None = None
    consensus: bool = False  # as a field added by a later migration would be


def test_rows_round_trip_converts_by_annotation() -> None:
    record = Sample("a", date(2024, 1, 2), True, (Tag("earnings", "Q4 beat"),), "n", True)
    row = row_from_record(record)
    assert row == {
        "name": "a",
        "day": "2024-01-02",
        "flag": 1,
        "tags": '[{"label": "earnings", "text": "Q4 beat"}]',
        "note": "n",
        "consensus": 1,
    }
    assert record_from_row(Sample, row) == record


def test_rows_null_in_a_later_column_reads_as_the_default() -> None:
    """A row written before a column existed holds NULL there: an optional field reads None,
    a field that cannot be None reads its default."""
    row = {"name": "a", "day": None, "flag": 0, "tags": None, "note": None, "consensus": None}
    assert record_from_row(Sample, row) == Sample("a", None, False)


def test_rows_ignore_columns_that_are_not_fields() -> None:
    row = {**row_from_record(Sample("a", None, False)), "ingested_at": "2024-01-01"}
    assert record_from_row(Sample, row) == Sample("a", None, False)


def test_rows_missing_column_is_an_error() -> None:
    with pytest.raises(KeyError, match="consensus"):
        record_from_row(Sample, {"name": "a", "day": None, "flag": 0, "tags": "[]", "note": None})


def test_rows_only_dataclasses() -> None:
    with pytest.raises(TypeError, match="not a dataclass"):
        record_from_row(dict, {})
