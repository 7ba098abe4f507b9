"""Track: resolve each claim against prices as hit, miss or pending.

Input: Claims and a `PriceBook`. Output: `Outcome`s (and `Disagreement`s with stored
decisions). No side effects; the run stage stores what it returns.

Open `resolve.py` for the entry points (`resolve_claims`, `grade_frame`,
`reconcile_outcomes`), `series.py` for which price series grades a claim, `windows.py`
for the window arithmetic and `reasons.py` for the sentence that explains a decision.
"""
