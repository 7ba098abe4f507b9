"""Records <-> database rows: the conversions at the store's edge.

Input: the stages' frozen dataclasses, or rows (dicts) read back. Output: the other one.
No side effects. Dates are stored as ISO text, flags as 0/1, tag tuples as JSON; reading
converts by each field's annotation, so a new plain field needs no code here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import MISSING, Field, fields, is_dataclass
from datetime import UTC, date, datetime
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import pandas as pd

from pipeline.models import Page, Tag

R = TypeVar("R")
Converter = Callable[[Any], Any]

BAR_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")


def row_from_record(record: Any) -> dict[str, Any]:
    """The row of a dataclass record: one column per field, in field order."""
    row: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = int(value)
        elif isinstance(value, tuple):
            value = json.dumps([{"label": t.label, "text": t.text} for t in value])
        row[f.name] = value
    return row


def record_from_row(cls: type[R], row: dict[str, Any]) -> R:
    """The record of type `cls` stored in `row`; columns that are not fields are ignored."""
    return cls(**{name: convert(row[name]) for name, convert in _readers(cls)})


def page_from_row(row: dict[str, Any]) -> Page:
    """A cached page; its body may be stored as NULL for an empty response."""
    return Page(
        url=row["url"],
        final_url=row["final_url"],
        status=row["status"],
        content_type=row["content_type"],
        body=row["body"] or b"",
        etag=row["etag"],
        last_modified=row["last_modified"],
        fetched_at=row["fetched_at"],
        from_cache=True,
    )


def page_row(page: Page, fetched_at: str) -> dict[str, Any]:
    """The `pages` row of a fetched page (the in-memory `from_cache` flag is not stored)."""
    row = {f.name: getattr(page, f.name) for f in fields(page) if f.name != "from_cache"}
    row["fetched_at"] = page.fetched_at or fetched_at
    return row


def price_rows(symbol: str, frame: pd.DataFrame, provider: str) -> Iterator[dict[str, Any]]:
    """The `prices` rows of a frame of daily bars indexed by date (NaN stored as NULL)."""
    for day, bar in frame.iterrows():
        yield {
            "symbol": symbol,
            "date": day.date().isoformat() if hasattr(day, "date") else str(day),
            **{k: float_or_none(bar.get(k)) for k in BAR_COLUMNS},
            "provider": provider,
        }


def to_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def float_or_none(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return float(value)


def now() -> str:
    """The current UTC time as stored in `*_at` columns."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_READERS: dict[type, tuple[tuple[str, Converter], ...]] = {}


def _readers(cls: type) -> tuple[tuple[str, Converter], ...]:
    """(field name, reader) of each field of the record type `cls`, worked out once."""
    if cls not in _READERS:
        if not is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        hints = get_type_hints(cls)
        _READERS[cls] = tuple((f.name, _field_reader(f, hints[f.name])) for f in fields(cls))
    return _READERS[cls]


def _field_reader(f: Field[Any], hint: Any) -> Converter:
    """The reader of one field. NULL in a column added after the row was written reads
    as the field's default when the field cannot be None (a new flag reads False)."""
    read = _reader(hint)
    optional = get_origin(hint) in (Union, UnionType) and type(None) in get_args(hint)
    if optional or (f.default is MISSING and f.default_factory is MISSING):
        return read
    if f.default is not MISSING:
        fallback = f.default
        return lambda value: fallback if value is None else read(value)
    factory = f.default_factory
    assert callable(factory)
    return lambda value: factory() if value is None else read(value)


def _reader(hint: Any) -> Converter:
    """How to read a column back into a field annotated `hint`."""
    kinds = set(get_args(hint)) if get_origin(hint) in (Union, UnionType) else {hint}
    kinds.discard(type(None))
    if date in kinds:
        return to_date
    if bool in kinds:
        return _to_bool
    if any(get_origin(k) is tuple for k in kinds):
        return _to_tags
    return _same


def _to_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _to_tags(value: str | None) -> tuple[Tag, ...]:
    return tuple(Tag(**t) for t in json.loads(value or "[]"))


def _same(value: Any) -> Any:
    return value
