"""Digests of code and content (pipeline/provenance.py)."""

from __future__ import annotations

from pipeline.provenance import code_digest, input_digest


def test_provenance_a_digest_changes_with_the_code_and_with_each_part() -> None:
    base = input_digest("code", "text", b"bytes")
    assert base == input_digest("code", "text", b"bytes")
    assert base != input_digest("other code", "text", b"bytes")
    assert base != input_digest("code", "text!", b"bytes")
    # parts are length-prefixed: moving a boundary between them is another input
    assert input_digest("code", "ab", "c") != input_digest("code", "a", "bc")


def test_provenance_code_digest_covers_a_package_and_is_stable() -> None:
    assert code_digest("pipeline.ingest") == code_digest("pipeline.ingest")
    assert code_digest("pipeline.ingest") != code_digest("pipeline.extract")
