"""Report build time for many claims.

Builds --claims synthetic claims (moves, targets, relative and direction calls by 200
forecasters on real IWM, SPY, QQQ and ^GSPC prices from ../shared/prices), grades them,
and times the whole report (index, one page per claim with its chart, one scorecard page
per forecaster, Markdown). The baseline, timed in the same run, is pandas writing the same
claims table with DataFrame.to_html: the least a report could do.

    python benchmarks/bench_report.py --claims 10000

It then draws the report again in place with 1% of the outcomes changed, as a daily run
does, and prints how many pages were drawn and how much faster that was.

With --browser it opens index.html in headless Chromium (Debian's chromium and
chromium-driver) --loads times, each a fresh navigation, and prints the median time to
the load event, next to the same for a bare pandas table of the rows the index lists:

    python benchmarks/bench_report.py --claims 100000 --forecasters 5000 --browser
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from pipeline.models import Article, Claim, stable_id
from pipeline.prices.book import CsvFolderProvider, PriceBook
from pipeline.report.frames import join
from pipeline.report.render import INDEX_ROWS, ReportInput, render_report
from pipeline.track.resolve import resolve_claims

PRICES = Path(__file__).resolve().parent.parent.parent / "shared" / "prices"
SYMBOLS = ["IWM", "SPY", "QQQ", "^GSPC"]


def synthetic_claims(
    count: int, rng: random.Random, forecasters: int = 200
) -> tuple[list[Claim], dict[str, str]]:
    text = "I think IWM could rally 20% over the next 12 months because rate cuts are coming."
    article = Article.build(location="bench", text=text, raw=text, raw_format="text")
    claims = []
    for i in range(count):
        published = date(2023, 1, 3) + timedelta(days=rng.randrange(0, 700))
        kind = rng.choice(["move", "target", "relative", "direction"])
        subject = rng.choice(SYMBOLS)
        claims.append(
            Claim(
                claim_id=stable_id("bench", i),
                article_id=article.article_id,
                url="https://example.com/a",
                title="Synthetic",
                published=published,
                forecaster=f"Forecaster {i % forecasters}",
                forecaster_org=None,
                forecaster_role="author",
                subject=subject,
                subject_text=subject,
                kind=kind,  # type: ignore[arg-type]
                direction=rng.choice(["up", "down"]),
                target_low=None,
                target_high=None,  # type: ignore[arg-type]
                move_pct=rng.choice([5.0, 10.0, 20.0]) if kind == "move" else None,
                benchmark="^GSPC" if kind == "relative" else None,
                ratio=None,
                horizon_start=published,
                horizon_end=published + timedelta(days=rng.choice([30, 90, 182, 365])),
                horizon_text=None,
                horizon_assumed=rng.random() < 0.5,
                hedge=rng.choice(["will", "could", "may", None]),
                conditional=False,
                negated=False,
                evidence=text,
                evidence_start=0,
                evidence_end=len(text),
            )
        )
    return claims, {article.article_id: text}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--forecasters", type=int, default=200)
    parser.add_argument("--browser", action="store_true", help="time index.html in Chromium")
    parser.add_argument("--loads", type=int, default=7, help="navigations per page (--browser)")
    args = parser.parse_args()
    rng = random.Random(7)
    provider = CsvFolderProvider(PRICES)
    book = PriceBook(closes={s: provider.fetch(s)["close"] for s in SYMBOLS})
    claims, texts = synthetic_claims(args.claims, rng, args.forecasters)
    for c in claims[::4]:
        object.__setattr__(
            c, "target_low", 1.1 * float(book.closes[c.subject].asof(pd.Timestamp(c.published)))
        )
    outcomes = {o.claim_id: o for o in resolve_claims(claims, book, date(2025, 12, 31))}
    data = ReportInput(
        claims, outcomes, texts, book.closes, date(2025, 12, 31), dict.fromkeys(SYMBOLS, "csv")
    )
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        join(claims, outcomes).to_html(Path(tmp) / "baseline.html")
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        written = render_report(data, Path(tmp) / "report").drawn
        full = time.perf_counter() - start
        index_kb = (Path(tmp) / "report" / "index.html").stat().st_size / 1024
        # a daily run: the same report with 1% of the outcomes changed, drawn again in place
        changed = dict(outcomes)
        for claim in claims[:: max(1, len(claims) // (len(claims) // 100 or 1))][
            : len(claims) // 100 or 1
        ]:
            old = changed[claim.claim_id]
            changed[claim.claim_id] = replace(old, reason=old.reason + " (a day later)")
        start = time.perf_counter()
        daily = render_report(replace(data, outcomes=changed), Path(tmp) / "report")
        again = time.perf_counter() - start
        if args.browser:
            # the baseline: a bare pandas table of as many claims as the index lists
            table = Path(tmp) / "index-rows.html"
            join(claims[-INDEX_ROWS:], outcomes).to_html(table)
            pages = [Path(tmp) / "report" / "index.html", table]
            opened = open_times(pages, args.loads, Path(tmp) / "chromium")
            print(
                f"index.html ({index_kb:,.0f} KB) in headless Chromium: median {opened[0]:.0f} ms "
                f"to the load event ({args.loads} loads); a bare pandas table of its "
                f"{INDEX_ROWS} rows ({table.stat().st_size / 1024:,.0f} KB): {opened[1]:.0f} ms; "
                f"ratio {opened[0] / opened[1]:.2f}x"
            )
    print(f"claims: {len(claims)}, files written: {len(written)}, index.html {index_kb:,.0f} KB")
    print(
        f"drawn again with {len(claims[::100])} outcomes changed: {again:.2f} s "
        f"({len(daily.drawn)} files drawn, {daily.pages_unchanged} left as they were; "
        f"{full / again:.1f}x faster than drawing it all)"
    )
    print(
        f"full report (index, {len(claims)} claim pages with charts, scorecards, markdown): {full:.2f} s"
    )
    print(
        f"baseline (pandas DataFrame.to_html of the claims table):                    {baseline:.2f} s"
    )
    print(
        f"ratio full / baseline: {full / baseline:.1f}x; claims per second: {len(claims) / full:,.0f}"
    )


def open_times(pages: list[Path], loads: int, profile: Path) -> list[float]:
    """Median milliseconds from navigation start to the load event, per page, each page
    opened `loads` times in one headless Chromium (the first, cold load included)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    script = "return performance.getEntriesByType('navigation')[0].loadEventEnd"
    try:
        medians = []
        for page in pages:
            times = []
            for _ in range(loads):
                driver.get("about:blank")
                driver.get(page.as_uri())
                times.append(float(driver.execute_script(script)))
            medians.append(statistics.median(times))
        return medians
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
