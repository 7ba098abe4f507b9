"""Digests of code and content (pipeline/provenance.py)."""

from __future__ import annotations

from pathlib import Path

from pipeline.provenance import data_digest, file_digest


def test_provenance_bytes_read_once_digest_as_their_file_does(tmp_path: Path) -> None:
    # ingest reads a file once and digests its bytes; failures stored by earlier versions
    # carry the digest of the file, so a file unchanged since it failed is still known
    path = tmp_path / "a.md"
    path.write_bytes(b"I expect IWM to rally 10% by June.\n" * 100_000)
    assert data_digest("code", path.read_bytes()) == file_digest("code", path)
