"""An older revision of this repository, checked out beside it, for benchmarks that compare.

    with checkout("HEAD~20") as root:   # a `git worktree` in a temporary folder
        subprocess.run([sys.executable, "-c", "..."], env=pythonpath(root))

The worktree is removed afterwards; the repository's own work tree is not touched.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def describe(rev: str) -> str:
    """`abc1234 subject` of a revision, for the printed table."""
    return _git("log", "-1", "--format=%h %ad %s", "--date=short", rev).strip()


@contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """A detached `git worktree` of `rev` in a temporary folder, removed on exit."""
    with tempfile.TemporaryDirectory(prefix="thesis-rev-") as tmp:
        path = Path(tmp) / "checkout"
        _git("worktree", "add", "--detach", "--quiet", str(path), rev)
        try:
            yield path
        finally:
            _git("worktree", "remove", "--force", str(path))


def pythonpath(root: Path) -> dict[str, str]:
    """This environment with `root` first on the import path (ahead of an editable install)."""
    return {**os.environ, "PYTHONPATH": str(root)}


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout
