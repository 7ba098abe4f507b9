"""Extract: read claims out of Articles.

Input: Articles. Output: `Claim`s with subject, values, horizon, hedge, flags, forecaster
and evidence sentence. No side effects (the trained tag classifier is read from disk).

Open `claims.py` for the entry points (`make_nlp`, `extract_claims`, `claims_from_doc`),
`triggers.py` and `data/cues.toml` for forecast cues, `instruments.py` for tickers and
names, `horizons.py` for time phrases, `attribution.py` for who holds a view, `tags.py` and
`train.py` for catalysts and risks, `evaluate.py` for scoring against gold files.
"""
