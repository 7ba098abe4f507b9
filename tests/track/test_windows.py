"""Window queries against plain slicing: the sparse tables and the batched binary search
must give what `closes[lo:hi + 1]` gives, for any series and any windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.track.windows import SeriesArrays, day_numbers

prices = st.lists(st.floats(1, 1000, allow_nan=False), min_size=1, max_size=300)


@settings(max_examples=80, deadline=None)
@given(values=prices, data=st.data())
def test_windows_queries_match_a_plain_slice(values: list[float], data: st.DataObject) -> None:
    closes = pd.Series(values, index=pd.bdate_range("2024-01-01", periods=len(values)))
    arrays = SeriesArrays.from_series("X", closes)
    n = len(values)
    lo = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=20)))
    hi = np.array([data.draw(st.integers(int(a), n - 1)) for a in lo])
    level = np.array([data.draw(st.floats(0.5, 1100)) for _ in lo])
    up = np.array([data.draw(st.booleans()) for _ in lo])
    highest, lowest = arrays.range_max(lo, hi), arrays.range_min(lo, hi)
    first = arrays.first_reaching(lo, hi, level, up)
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        window = np.array(values[a : b + 1])
        assert (highest[i], lowest[i]) == (window.max(), window.min())
        reached = np.flatnonzero(window >= level[i] if up[i] else window <= level[i])
        assert first[i] == (a + reached[0] if len(reached) else -1)


def test_windows_dates_and_positions() -> None:
    closes = pd.Series(
        [1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-05"])
    )
    arrays = SeriesArrays.from_series("X", closes)
    days = day_numbers(np.array(["2024-01-01", "2024-01-04", "2024-01-06"], dtype="datetime64[D]"))
    assert arrays.first_on_or_after(days).tolist() == [0, 2, 3]
    assert arrays.last_on_or_before(days).tolist() == [-1, 1, 2]


def test_windows_digest_depends_on_the_closes_inside_only() -> None:
    closes = pd.Series([10.0, 11.0, 12.0, 13.0], index=pd.bdate_range("2024-01-01", periods=4))
    lo, hi = np.array([1]), np.array([2])
    base = SeriesArrays.from_series("X", closes).digest(lo, hi)
    inside, outside = closes.copy(), closes.copy()
    inside.iloc[2] = 12.01
    outside.iloc[3] = 99.0
    assert SeriesArrays.from_series("X", inside).digest(lo, hi) != base
    assert SeriesArrays.from_series("X", outside).digest(lo, hi) == base
    assert SeriesArrays.from_series("Y", closes).digest(lo, hi) != base  # the symbol counts
