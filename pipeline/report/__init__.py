"""Report: claims against outcomes, forecaster scorecards, exports and audit views.

Input: Claims and Outcomes from the store. Output: an HTML report and Markdown summary,
exports (JSONL, CSV, Parquet), pandas frames, `thesis audit` text. Side effects: files
under the report folder; `serve.py` starts Datasette.

Open `render.py` for the HTML/Markdown report, `scorecard.py` for the statistics,
`charts.py` for the SVG charts, `flags.py` for the price-data warnings, `export.py`,
`frames.py`, `audit.py`, `serve.py`.
"""
