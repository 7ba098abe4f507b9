"""Expected data problems. Each carries the item it concerns and a message saying what to do."""

from __future__ import annotations


class ThesisError(Exception):
    """Base for every expected error; the CLI prints it as `Error: ...` and exits 1."""

    def __init__(self, message: str, item: str | None = None) -> None:
        self.item = item
        self.message = message
        super().__init__(f"{item}: {message}" if item else message)


class IngestError(ThesisError):
    """A source could not be read or parsed into an Article."""


class ExtractError(ThesisError):
    """Claims could not be extracted from an article."""


class PriceDataError(ThesisError):
    """Prices are missing or malformed for a symbol."""


class StoreError(ThesisError):
    """The database cannot be opened or written."""


class OutputError(ThesisError):
    """A report, export or other output cannot be written where it was asked for."""

    @classmethod
    def writing(cls, path: object, exc: OSError) -> OutputError:
        why = exc.strerror or " ".join(str(exc).split())[:200] or type(exc).__name__
        return cls(
            f"cannot write here ({why}); choose a folder or file you can write to, "
            "or fix its permissions",
            str(path),
        )


class GoldError(ThesisError):
    """A gold file is malformed or points at a missing article."""
