"""Charts: the price path behind one claim, as inline SVG (no script, no CDN, opens offline).

Input: the closes of the graded series (and of the benchmark for relative calls), the
window, the target level or band, the entry and the hit. Output: an SVG string built only
from numbers and fixed words, so nothing from an article can reach it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

WIDTH, HEIGHT = 640, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 12, 14, 28
MAX_POINTS = 240


@dataclass(frozen=True)
class ChartSpec:
    closes: pd.Series
    start: date
    end: date
    entry_price: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    hit_date: date | None = None
    benchmark: pd.Series | None = None


def chart_digest(spec: ChartSpec) -> str:
    """A digest of everything `price_path_svg` draws from: the same digest, the same SVG."""
    digest = hashlib.sha256(
        repr((spec.start, spec.end, spec.entry_price, spec.target_low, spec.target_high,
              spec.hit_date)).encode()
    )  # fmt: skip
    start, end = pd.Timestamp(spec.start).value, pd.Timestamp(spec.end).value
    for series in (spec.closes, spec.benchmark):
        if series is not None:
            days = series.index.asi8  # nanoseconds, sorted: the window is one slice
            inside = slice(np.searchsorted(days, start), np.searchsorted(days, end, "right"))
            digest.update(days[inside].tobytes())
            digest.update(series.to_numpy(dtype=float)[inside].tobytes())
    return digest.hexdigest()[:16]


def price_path_svg(spec: ChartSpec) -> str:
    """An SVG line chart of the window; the benchmark is rebased to the entry price."""
    inside = spec.closes[
        (spec.closes.index >= pd.Timestamp(spec.start))
        & (spec.closes.index <= pd.Timestamp(spec.end))
    ]
    if inside.empty:
        return ""
    series = _thin(inside)
    bench = _rebased(spec.benchmark, inside) if spec.benchmark is not None else None
    values = [series.to_numpy()]
    if bench is not None:
        values.append(bench.to_numpy())
    levels = [v for v in (spec.target_low, spec.target_high, spec.entry_price) if v is not None]
    low = (
        float(min(min(v.min() for v in values), *levels))
        if levels
        else float(min(v.min() for v in values))
    )
    high = (
        float(max(max(v.max() for v in values), *levels))
        if levels
        else float(max(v.max() for v in values))
    )
    if high == low:
        high, low = high * 1.01, low * 0.99
    t0, t1 = inside.index[0].value, max(inside.index[-1].value, pd.Timestamp(spec.end).value)
    x = _scaler(t0, t1, PAD_LEFT, WIDTH - PAD_RIGHT)
    y = _scaler(low, high, HEIGHT - PAD_BOTTOM, PAD_TOP)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="Price path inside the window">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]
    parts += _band(spec, x(t0), x(t1), y)
    parts += _axes(low, high, inside, y)
    if bench is not None:
        parts.append(_polyline(bench, x, y, "#8a94a6", dashed=True))
    parts.append(_polyline(series, x, y, "#1f5fbf"))
    if spec.entry_price is not None:
        parts.append(_marker(x(inside.index[0].value), y(spec.entry_price), "#1d2330", "entry"))
    if spec.hit_date is not None and pd.Timestamp(spec.hit_date) in inside.index:
        hit = pd.Timestamp(spec.hit_date)
        parts.append(_marker(x(hit.value), y(float(inside[hit])), "#1a7f37", "hit"))
    parts.append("</svg>")
    return "".join(parts)


def _thin(series: pd.Series) -> pd.Series:
    if len(series) <= MAX_POINTS:
        return series
    keep = np.unique(np.linspace(0, len(series) - 1, MAX_POINTS).astype(int))
    return series.iloc[keep]


def _rebased(bench: pd.Series, inside: pd.Series) -> pd.Series | None:
    window = bench[(bench.index >= inside.index[0]) & (bench.index <= inside.index[-1])]
    if window.empty:
        return None
    return _thin(window / float(window.iloc[0]) * float(inside.iloc[0]))


@dataclass(frozen=True)
class _Scale:
    """A linear map from data (nanoseconds or prices) to SVG pixels, to 0.1 px."""

    a: float
    span: float
    lo: float
    hi: float

    def __call__(self, v: float) -> float:
        return round(self.lo + (float(v) - self.a) / self.span * (self.hi - self.lo), 1)

    def many(self, values: np.ndarray) -> list[float]:
        """The same map over an array at once (a chart has hundreds of points)."""
        scaled = self.lo + (values.astype(float) - self.a) / self.span * (self.hi - self.lo)
        return [round(v, 1) for v in scaled.tolist()]


def _scaler(a: float, b: float, lo: float, hi: float) -> _Scale:
    return _Scale(float(a), float((b - a) or 1.0), lo, hi)  # the span exact for int times


def _polyline(series: pd.Series, x: _Scale, y: _Scale, colour: str, dashed: bool = False) -> str:
    xs = x.many(pd.DatetimeIndex(series.index).as_unit("ns").asi8)
    ys = y.many(series.to_numpy(dtype=float))
    points = " ".join(f"{a},{b}" for a, b in zip(xs, ys, strict=True))
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return f'<polyline fill="none" stroke="{colour}" stroke-width="1.6"{dash} points="{points}"/>'


def _band(spec: ChartSpec, x0: float, x1: float, y: _Scale) -> list[str]:
    if spec.target_low is None:
        return []
    top, bottom = y(spec.target_high or spec.target_low), y(spec.target_low)
    height = max(bottom - top, 1.5)
    return [
        f'<rect class="target" x="{x0}" y="{top}" width="{x1 - x0}" height="{height}" fill="#f2b84b" fill-opacity="0.45"/>'
    ]


def _axes(low: float, high: float, inside: pd.Series, y: _Scale) -> list[str]:
    out = [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#c9ced8"/>'
    ]
    for value in np.linspace(low, high, 4):
        out.append(
            f'<text x="{PAD_LEFT - 6}" y="{y(value) + 4}" font-size="10" text-anchor="end" fill="#5b6477">{value:,.0f}</text>'
        )
    first, last = inside.index[0].date().isoformat(), inside.index[-1].date().isoformat()
    out.append(
        f'<text x="{PAD_LEFT}" y="{HEIGHT - 8}" font-size="10" fill="#5b6477">{first}</text>'
    )
    out.append(
        f'<text x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 8}" font-size="10" text-anchor="end" fill="#5b6477">{last}</text>'
    )
    return out


def _marker(cx: float, cy: float, colour: str, label: str) -> str:
    return (
        f'<circle cx="{cx}" cy="{cy}" r="4" fill="{colour}"/>'
        f'<text x="{cx + 6}" y="{cy - 6}" font-size="10" fill="{colour}">{label}</text>'
    )
