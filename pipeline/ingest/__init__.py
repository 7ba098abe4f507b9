"""Ingest: turn files, URLs, feeds and sitemaps into Articles.

Input: paths, URLs and a sources file. Output: `Article`s (clean text, metadata, the raw
copy) and `Failure`s. Side effects: polite HTTP fetches through `pipeline.http`, and the
raw-page cache, link queue and duplicate index kept by the store.

Open `documents.py` for the entry points (`ingest_paths`, `ingest_sources`,
`read_document`), `fetch.py` for fetching, `discover.py` for feeds and sitemaps,
`queue.py` for how many of their links a run reads (the rest wait in the link queue),
`parse.py` and `metadata.py` for HTML, `dedupe.py` for syndicated copies.
"""
