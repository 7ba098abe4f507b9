"""Tables of forecasts: one claim per row of firm / target / upside tables.

Input: an article's text. Output: `TableRow`s — the row's text and offsets, the firm
the row names, the target (level or range), the rating and the price when the table has
such columns, and whether the row is an average. Markdown and pipe tables, tab-separated
and aligned-text tables (two or more spaces between cells) are read; a table counts only
when a header cell names a target ("12-month target", "Price target", "PT", "Forecast",
"Year-end 2025"). Pure functions; `claims.py` turns rows into claims (docs/forms.md,
form "table-firm-target").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.extract.analyst import NUMBER, load_analyst_cues

TARGET_HEADER = re.compile(
    r"\b(?:price target|target price|target|pt|objective|forecast|projection|year-end|"
    r"year end|end-20\d\d|20\d\d (?:target|forecast))s?\b",
    re.IGNORECASE,
)
FIRM_HEADER = re.compile(
    r"\b(?:firm|broker(?:age)?|bank|source|institution|house|who|company)s?\b", re.I
)
PERSON_HEADER = re.compile(r"\b(?:analyst|strategist|economist|forecaster|name)s?\b", re.I)
PREVIOUS_HEADER = re.compile(r"\b(?:previous|prior|old|former|was|from)\b", re.I)
PRICE_HEADER = re.compile(r"^(?:price|current price|last|last price|close|current)$", re.I)
RATING_HEADER = re.compile(r"\b(?:rating|recommendation|call|stance)s?\b", re.I)
SUBJECT_HEADER = re.compile(r"\b(?:ticker|symbol|stock|company|index|name)s?\b", re.I)
SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
AVERAGE = re.compile(r"\b(?:average|median|mean|consensus|street|overall|all analysts)\b", re.I)
VALUE = re.compile(
    rf"(?:US\$|USD\s?|\$)?\s?(?P<low>{NUMBER})(?:\s?(?:-|–|—|to)\s?(?:US\$|USD\s?|\$)?\s?(?P<high>{NUMBER}))?"
)


@dataclass(frozen=True)
class TableRow:
    text: str
    start: int
    end: int
    firm: str | None
    subject_text: str | None
    target_low: float
    target_high: float
    price: float | None
    rating_text: str | None
    average: bool
    header: str
    person: str | None = None
    previous_target: float | None = None


@dataclass(frozen=True)
class _Line:
    text: str
    start: int
    cells: list[str]


@dataclass(frozen=True)
class Tables:
    """The forecast tables of a text: their data rows, and the offsets of every line they
    span (so sentence rules do not read a row a second time)."""

    rows: list[TableRow]
    line_starts: frozenset[int]


def read_tables(text: str) -> Tables:
    """Every forecast table in `text` (a table whose header names a target), in one pass."""
    rows: list[TableRow] = []
    starts: set[int] = set()
    for table in _tables(text):
        found = list(_rows(table))
        if found:
            rows.extend(found)
            starts.update(line.start for line in table)
    return Tables(rows, frozenset(starts))


def find_table_rows(text: str) -> list[TableRow]:
    """Every data row of every forecast table in `text`, in order."""
    return read_tables(text).rows


def _tables(text: str) -> Iterator[list[_Line]]:
    block: list[_Line] = []
    offset = 0
    blank = False  # one blank line may sit inside a table (where a separator row was dropped)
    for raw in text.split("\n"):
        cells = _cells(raw)
        if cells is not None:
            block.append(_Line(raw, offset, cells))
            blank = False
        elif not raw.strip() and block and not blank:
            blank = True
        else:
            if len(block) >= 2:
                yield block
            block, blank = [], False
        offset += len(raw) + 1
    if len(block) >= 2:
        yield block


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not stripped:
        return None
    if SEPARATOR.match(stripped):
        return []
    if stripped.count("|") >= 2:
        return [c.strip() for c in stripped.strip("|").split("|")]
    if "\t" in stripped:
        parts = [c.strip() for c in stripped.split("\t") if c.strip()]
        return parts if len(parts) >= 2 else None
    parts = [c.strip() for c in re.split(r"\s{3,}", stripped) if c.strip()]
    return parts if 2 <= len(parts) <= 8 and len(stripped) < 160 else None


def _rows(table: list[_Line]) -> Iterator[TableRow]:
    lines = [line for line in table if line.cells]
    if len(lines) < 2:
        return
    header = lines[0].cells
    width = len(header)
    targets = [i for i, h in enumerate(header) if TARGET_HEADER.search(h)]
    if not targets:
        return
    target_col = max(targets, key=lambda i: _newness(header[i]))
    previous_col = next(
        (
            i
            for i in targets
            if i != target_col and _newness(header[i]) < _newness(header[target_col])
        ),
        None,
    )
    firm_col = next((i for i, h in enumerate(header) if FIRM_HEADER.search(h)), None)
    person_col = next(
        (i for i, h in enumerate(header) if PERSON_HEADER.search(h) and i != firm_col), None
    )
    if firm_col is None and person_col is not None:
        firm_col, person_col = person_col, None
    price_col = next((i for i, h in enumerate(header) if PRICE_HEADER.match(h)), None)
    rating_col = next((i for i, h in enumerate(header) if RATING_HEADER.search(h)), None)
    subject_col = next(
        (i for i, h in enumerate(header) if SUBJECT_HEADER.search(h) and i != firm_col), None
    )
    if firm_col is None and target_col != 0 and subject_col != 0 and rating_col != 0:
        firm_col = 0  # "| Evercore ISI | $305 |": the row label names the firm
    for line in lines[1:]:
        cells = line.cells
        if len(cells) != width:
            continue
        value = _value(cells[target_col])
        if value is None:
            continue
        label = cells[firm_col] if firm_col is not None else None
        previous = _value(cells[previous_col]) if previous_col is not None else None
        yield TableRow(
            text=line.text.strip(),
            start=line.start + (len(line.text) - len(line.text.lstrip())),
            end=line.start + len(line.text.rstrip()),
            firm=label if label and not AVERAGE.search(label) else None,
            subject_text=cells[subject_col] if subject_col is not None else None,
            target_low=value[0],
            target_high=value[1],
            price=_price(cells[price_col]) if price_col is not None else None,
            rating_text=cells[rating_col] if rating_col is not None else None,
            average=bool(label and AVERAGE.search(label)),
            header=header[target_col],
            person=cells[person_col] if person_col is not None else None,
            previous_target=previous[0] if previous else None,
        )


def _newness(header: str) -> tuple[int, int]:
    """Which of several target columns is the current call: the latest year named, and
    not one headed "previous"/"prior"."""
    years = [int(y) for y in re.findall(r"20\d\d", header)]
    return (0 if PREVIOUS_HEADER.search(header) else 1, max(years) if years else 0)


def _value(cell: str) -> tuple[float, float] | None:
    if re.search(r"%|percent", cell, re.I) and not re.search(r"\$|USD", cell):
        return None
    m = VALUE.search(cell)
    if m is None:
        return None
    low = float(m.group("low").replace(",", ""))
    high = float(m.group("high").replace(",", "")) if m.group("high") else low
    if low <= 0 or (not re.search(r"[$,.]|USD", cell) and 1990 <= low <= 2100):
        return None
    return (min(low, high), max(low, high))


def _price(cell: str) -> float | None:
    value = _value(cell)
    return value[0] if value else None


def rating_grade(text: str | None) -> str | None:
    """The grade a table's rating cell names ("BUY ★★★★★" -> buy)."""
    if not text:
        return None
    for grade, pattern in load_analyst_cues().ratings:
        if pattern.search(text):
            return grade
    return None
