"""Charts: the price path behind one claim, as inline SVG (no script, no CDN, opens offline).

Input: the closes of the graded series (and of the benchmark for relative calls), the
window, the target level or band, the entry and the hit. Output: an SVG string built only
from numbers and fixed words, so nothing from an article can reach it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

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
        if series is not None:  # the window in the index's own unit (pandas may use us)
            path = _window(series, start, end)
            digest.update(path.days.tobytes())
            digest.update(path.values.tobytes())
    return digest.hexdigest()[:16]


def price_path_svg(spec: ChartSpec) -> str:
    """An SVG line chart of the window; the benchmark is rebased to the entry price."""
    end = pd.Timestamp(spec.end).value
    inside = _window(spec.closes, pd.Timestamp(spec.start).value, end)
    if not len(inside.days):
        return ""
    series = _thin(inside)
    bench = _rebased(spec.benchmark, inside) if spec.benchmark is not None else None
    values = [series.values]
    if bench is not None:
        values.append(bench.values)
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
    t0, t1 = int(inside.days[0]), max(int(inside.days[-1]), end)
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
        parts.append(_marker(x(t0), y(spec.entry_price), "#1d2330", "entry"))
    hit = _on(inside, spec.hit_date) if spec.hit_date is not None else None
    if hit is not None:
        parts.append(_marker(x(inside.days[hit]), y(inside.values[hit]), "#1a7f37", "hit"))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class _Path:
    """Daily closes as arrays: the days (int64 nanoseconds, ascending) and the prices."""

    days: np.ndarray
    values: np.ndarray


_NANOS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}  # per step of an index


def _window(series: pd.Series, start: int, end: int) -> _Path:
    """The closes of `series` from `start` to `end` (nanoseconds, both days included).

    The index is sorted, so the window is one slice, found in the index's own unit.
    """
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        index = pd.DatetimeIndex(index)
    step, ticks = _NANOS[index.unit], index.asi8
    first = np.searchsorted(ticks, -(-start // step))  # the first tick at or after `start`
    inside = slice(first, np.searchsorted(ticks, end // step, "right"))
    return _Path(ticks[inside] * step, series.to_numpy(dtype=float)[inside])


def _thin(path: _Path) -> _Path:
    """At most MAX_POINTS of the path, evenly spread, the first and last kept."""
    if len(path.days) <= MAX_POINTS:
        return path
    keep = _kept(len(path.days))
    return _Path(path.days[keep], path.values[keep])


@lru_cache(maxsize=4096)
def _kept(n: int) -> np.ndarray:
    """The positions `_thin` keeps of n points (windows of a report share a few lengths)."""
    keep = np.unique(np.linspace(0, n - 1, MAX_POINTS).astype(int))
    keep.flags.writeable = False
    return keep


def _rebased(bench: pd.Series, inside: _Path) -> _Path | None:
    """The benchmark over the days of `inside`, scaled to start at its first close."""
    window = _window(bench, int(inside.days[0]), int(inside.days[-1]))
    if not len(window.days):
        return None
    with np.errstate(divide="ignore", invalid="ignore"):  # a first close of 0: as pandas
        rebased = window.values / float(window.values[0]) * float(inside.values[0])
    return _thin(_Path(window.days, rebased))


def _on(path: _Path, day: date) -> int | None:
    """The position of `day` in the path, or None when it is not one of its days."""
    at = pd.Timestamp(day).value
    i = int(np.searchsorted(path.days, at))
    return i if i < len(path.days) and path.days[i] == at else None


@dataclass(frozen=True)
class _Scale:
    """A linear map from data (nanoseconds or prices) to SVG pixels, to 0.1 px."""

    a: float
    span: float
    lo: float
    hi: float

    def __call__(self, v: float) -> float:
        return round(self.lo + (float(v) - self.a) / self.span * (self.hi - self.lo), 1)

    def many(self, values: np.ndarray) -> np.ndarray:
        """The same map over an array at once, before the rounding (`_tenths` does it)."""
        return self.lo + (values.astype(float) - self.a) / self.span * (self.hi - self.lo)


# The text of every tenth from 0 to WIDTH, as `round` and an f-string write it: every x
# and y a chart draws is one of them.
_TENTHS = np.array([f"{k / 10}" for k in range(10 * WIDTH + 1)], dtype=object)


def _tenths(values: np.ndarray) -> list[str]:
    """`f"{round(v, 1)}"` for each value, looked up in `_TENTHS` where it can be.

    The tenth is rint(10 v), unless 10 v, itself rounded, lies within a few ulps of a half
    (the exact 10 v may be on the other side; np.round is wrong there): then Python's
    `round` decides, as it does outside the table (nan, inf, below 0 or -0.0, above WIDTH).
    """
    with np.errstate(invalid="ignore", over="ignore"):  # inf and nan go to `round`
        tens = values * 10
        k = np.rint(tens)
        doubt = 0.5 - np.abs(tens - k) <= np.abs(tens) * 1e-15  # 1e-15 |tens|: over 4 ulps
    table = ~np.signbit(k) & (k < len(_TENTHS)) & ~doubt  # not nan, below 0 or -0.0
    out = _TENTHS[np.where(table, k, 0).astype(np.intp)]
    for i in np.flatnonzero(~table).tolist():
        out[i] = f"{round(float(values[i]), 1)}"
    text: list[str] = out.tolist()
    return text


def _scaler(a: float, b: float, lo: float, hi: float) -> _Scale:
    return _Scale(float(a), float((b - a) or 1.0), lo, hi)  # the span exact for int times


def _polyline(path: _Path, x: _Scale, y: _Scale, colour: str, dashed: bool = False) -> str:
    n = len(path.days)
    text = _tenths(np.concatenate([x.many(path.days), y.many(path.values)]))  # x, then y
    points = " ".join(map(",".join, zip(text[:n], text[n:], strict=True)))
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


def _axes(low: float, high: float, inside: _Path, y: _Scale) -> list[str]:
    out = [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#c9ced8"/>'
    ]
    for value in np.linspace(low, high, 4):
        out.append(
            f'<text x="{PAD_LEFT - 6}" y="{y(value) + 4}" font-size="10" text-anchor="end" fill="#5b6477">{value:,.0f}</text>'
        )
    first, last = (pd.Timestamp(int(t)).date().isoformat() for t in inside.days[[0, -1]])
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
