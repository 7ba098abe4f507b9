"""Report: claims next to what happened, as one self-contained HTML page and a Markdown file.

Input: claims, their outcomes, and run facts (as-of date, price sources). Output files:
`<out>/index.html` (opens offline: no server, no CDN) and `<out>/claims.md`.
Everything from an article is escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .models import Claim, Outcome


@dataclass(frozen=True)
class ReportRow:
    claim: Claim
    outcome: Outcome | None
    predicted: str

    @property
    def status(self) -> str:
        return self.outcome.status if self.outcome else "untracked"


def describe_claim(claim: Claim) -> str:
    """What was predicted, in plain words: "IWM +70% by 2024-11-28 (horizon assumed)"."""
    sign = "+" if claim.direction == "up" else "-"
    if claim.kind == "move":
        what = f"{claim.subject} {sign}{claim.move_pct:g}%"
    elif claim.kind == "target":
        low, high = claim.target_low or 0, claim.target_high or 0
        level = f"{low:,.0f}" if low == high else f"{low:,.0f}-{high:,.0f}"
        what = f"{claim.subject} {'to' if claim.direction == 'up' else 'down to'} {level}"
    elif claim.kind == "relative":
        verb = "outperforms" if claim.direction == "up" else "underperforms"
        ratio = f" by {claim.ratio:g}x" if claim.ratio else ""
        what = f"{claim.subject} {verb} {claim.benchmark}{ratio}"
    else:
        what = f"{claim.subject} {'up' if claim.direction == 'up' else 'down'}"
    if claim.horizon_end:
        what += f" by {claim.horizon_end.isoformat()}"
        if claim.horizon_start and claim.published and claim.horizon_start > claim.published:
            what += f" (from {claim.horizon_start.isoformat()})"
    if claim.horizon_assumed:
        what += ", horizon assumed"
    flags = [f for f, on in (("negated", claim.negated), ("conditional", claim.conditional)) if on]
    return what + (f" [{', '.join(flags)}]" if flags else "")


def safe_url(value: object) -> str | None:
    """Only http(s) links reach the page: a `javascript:` URL in an article is dropped."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render_report(
    claims: Sequence[Claim],
    outcomes: dict[str, Outcome],
    out_dir: Path,
    *,
    as_of: date | None,
    sources: dict[str, str],
) -> list[Path]:
    """Write index.html and claims.md into `out_dir`; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [ReportRow(c, outcomes.get(c.claim_id), describe_claim(c)) for c in claims]
    published = [c.published for c in claims if c.published]
    context = {
        "rows": rows,
        "as_of": as_of,
        "sources": sorted(sources.items()),
        "by_status": Counter(r.status for r in rows).most_common(),
        "by_forecaster": Counter(c.forecaster for c in claims).most_common(),
        "by_kind": Counter(c.kind for c in claims).most_common(),
        "period": (min(published), max(published)) if published else None,
    }
    env = Environment(
        loader=PackageLoader("pipeline", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=True, default=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mdcell"] = md_cell
    env.filters["safe_url"] = safe_url
    written = []
    for name, template in (("index.html", "report.html.j2"), ("claims.md", "claims.md.j2")):
        path = out_dir / name
        path.write_text(env.get_template(template).render(**context), encoding="utf-8")
        written.append(path)
    return written
