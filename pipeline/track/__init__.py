"""Track: resolve each claim against prices as hit, miss or pending.

Input: Claims and a `PriceBook`. Output: `Outcome`s (and `Disagreement`s with stored
decisions). No side effects; the run stage stores what it returns.

Open `resolve.py` for the entry points (`resolve_claims`, `grade_frame`,
`reconcile_outcomes`) and the order of the phases, `state.py` for the record each phase
returns, `series.py` for which price series grades a claim, `measure.py` for the closes in
each window, `judge.py` for the status, `windows.py` for the window arithmetic on one
series and `reasons.py` for the sentence that explains a decision. What differs by claim
kind is in pipeline.kinds.
"""
