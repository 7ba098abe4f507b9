"""Provenance: digests of a stage's code and of an item's content.

A failed item is stored with `input_digest(code_digest(stage packages), content)`; a re-run
tries it again only when that digest changes, that is, once the code that read it or the
item itself has changed (a fixed bug, a new release, an edited file). Code is every file
of the named packages, data files included (lexicons, site rules, models' cue lists).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.util import find_spec
from pathlib import Path

#: Suffixes hashed as code; caches and compiled files are not.
SKIPPED = (".pyc", ".pyo")


@cache
def code_digest(*packages: str) -> str:
    """A digest of every file under the named packages (`"pipeline.ingest"`)."""
    digest = hashlib.sha256()
    for package in packages:
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"{package} is not a package")
        for root in spec.submodule_search_locations:
            for path in sorted(Path(root).rglob("*")):
                if (
                    path.is_file()
                    and path.suffix not in SKIPPED
                    and "__pycache__" not in path.parts
                ):
                    digest.update(str(path.relative_to(root)).encode())
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def input_digest(code: str, *parts: str | bytes) -> str:
    """A digest of a stage's code (`code_digest`) and an item's content."""
    digest = hashlib.sha256(code.encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:16]
