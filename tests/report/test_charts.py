"""The claim chart's digest (what decides whether a claim page is drawn again)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.report.charts import ChartSpec, chart_digest, price_path_svg


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_chart_digest_moves_with_a_close_inside_the_window_whatever_the_index_unit(
    unit: str,
) -> None:
    days = pd.bdate_range("2024-01-01", periods=30).as_unit(unit)
    closes = pd.Series([100.0 + i for i in range(30)], index=days)
    spec = ChartSpec(closes, start=date(2024, 1, 3), end=date(2024, 1, 31))
    corrected = closes.copy()
    corrected.iloc[10] = 50.0  # inside the window
    before = closes.copy()
    before.iloc[0] = 50.0  # before it: the chart does not show it
    assert chart_digest(ChartSpec(corrected, spec.start, spec.end)) != chart_digest(spec)
    assert chart_digest(ChartSpec(before, spec.start, spec.end)) == chart_digest(spec)
    ns = ChartSpec(closes.set_axis(days.as_unit("ns")), spec.start, spec.end)
    assert chart_digest(ns) == chart_digest(spec) and price_path_svg(ns) == price_path_svg(spec)
