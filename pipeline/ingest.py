"""Ingest: read files and folders into Articles.

Input: paths (a folder is read recursively). Output: Articles and Failures, one per
item, so a bad file never stops a batch. No side effects; the caller stores them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from bs4 import UnicodeDammit

from .errors import IngestError
from .models import Article, Failure
from .parse import parse_html, parse_text

SUFFIXES = {
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}
MAX_BYTES = 20 * 1024 * 1024
SKIP_DIRS = {"gold", ".git", "__pycache__"}
SKIP_NAMES = ("README", "CHANGELOG", "LICENSE")


@dataclass(frozen=True)
class Overrides:
    """Metadata the user supplies for a single file (`--published`, `--author`, `--source`)."""

    published: date | None = None
    author: str | None = None
    source: str | None = None

    def __bool__(self) -> bool:
        return any((self.published, self.author, self.source))


def find_documents(sources: Sequence[Path]) -> list[Path]:
    """Expand folders into the article files they hold, in a stable order.

    Raises:
        IngestError: a source does not exist.
    """
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found.extend(
                sorted(
                    p
                    for p in source.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUFFIXES
                    and not p.name.upper().startswith(SKIP_NAMES)
                    and not SKIP_DIRS.intersection(p.relative_to(source).parts[:-1])
                )
            )
        elif source.is_file():
            found.append(source)
        else:
            raise IngestError("no such file or folder; check the path", str(source))
    return found


def ingest_paths(
    sources: Sequence[Path], overrides: Overrides | None = None
) -> Iterator[Article | Failure]:
    """Read every document under `sources`; yield an Article or a Failure for each.

    Raises:
        IngestError: a source does not exist, or overrides were given for more than one file.
    """
    documents = find_documents(sources)
    if overrides and len(documents) != 1:
        raise IngestError(
            f"--published/--author/--source apply to a single file, but {len(documents)} were given; "
            "put the metadata in each file's front matter instead"
        )
    for path in documents:
        try:
            yield read_document(path, overrides)
        except IngestError as exc:
            yield Failure(item=str(path), stage="ingest", reason=exc.message)


def read_document(path: Path, overrides: Overrides | None = None) -> Article:
    """Read one file into an Article.

    Raises:
        IngestError: the file is empty, binary, too large, undecodable or of an unknown type.
    """
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise IngestError(
            f"unsupported file type {path.suffix!r}; use one of {', '.join(sorted(SUFFIXES))}",
            str(path),
        )
    size = path.stat().st_size
    if size == 0:
        raise IngestError("the file is empty; remove it or add the article text", str(path))
    if size > MAX_BYTES:
        raise IngestError(
            f"the file is {size / 1e6:.0f} MB, over the {MAX_BYTES // 2**20} MB limit for one article",
            str(path),
        )
    data = path.read_bytes()
    text = decode(data, str(path), html=kind == "html")
    article = (
        parse_html(text, location=str(path))
        if kind == "html"
        else parse_text(text, str(path), kind)
    )
    return apply_overrides(article, overrides)


def decode(data: bytes, item: str, *, html: bool = False) -> str:
    """Decode bytes as UTF-8, or (for HTML) the charset the page declares.

    Raises:
        IngestError: the bytes are binary or in no recognisable text encoding.
    """
    if b"\x00" in data[:8192]:
        raise IngestError(
            "the file is binary, not text; export the article as HTML, text or Markdown", item
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    guess = UnicodeDammit(data, is_html=html)
    if guess.unicode_markup is None or guess.original_encoding in (None, "ascii"):
        raise IngestError(
            "the text is not valid UTF-8 and its encoding is unknown; re-save it as UTF-8", item
        )
    return guess.unicode_markup


def apply_overrides(article: Article, overrides: Overrides | None) -> Article:
    """Apply user-supplied metadata; the article id does not change (it derives from the text)."""
    if not overrides:
        return article
    changes: dict[str, Any] = {}
    if overrides.published:
        changes.update(published=overrides.published, published_source="override")
    if overrides.author:
        changes["author"] = overrides.author
    if overrides.source:
        changes["source"] = overrides.source
    return replace(article, **changes)
