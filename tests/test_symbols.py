"""Symbols: index <-> ETF equivalents read from the lexicons' proxy column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from pipeline.prices.book import PriceBook, symbols_for
from pipeline.symbols import canonical, load_equivalents
from pipeline.track.resolve import resolve_claim
from pipeline.track.series import candidates
from tests.conftest import make_article, make_claim

AS_OF = date(2024, 1, 31)
HEADER = "symbol,kind,proxy,scale_hint,aliases\n"


def _lexicon(tmp_path: Path, rows: str) -> tuple[Path, ...]:
    path = tmp_path / "mine.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return (path,)


def test_symbols_shipped_proxies_come_from_the_lexicon_csv() -> None:
    shipped = load_equivalents()
    assert shipped.proxies == {"^RUT": "IWM", "^GSPC": "SPY", "^NDX": "QQQ", "^DJI": "DIA"}
    assert canonical("IWM") == "^RUT" and canonical("^RUT") == "^RUT" and canonical("X") == "X"
    assert shipped.family("IWM") == ["^RUT", "IWM"] and shipped.family("NVDA") == ["NVDA"]
    assert shipped.proxy("IWM") == "IWM" and shipped.proxy("^IXIC") is None


def test_symbols_a_user_lexicon_proxy_changes_the_equivalent(tmp_path: Path) -> None:
    lexicon = _lexicon(
        tmp_path,
        "^RUT,index,VTWO,index,Russell 2000\n"  # another ETF for the Russell 2000
        "^IXIC,index,ONEQ,index,Nasdaq Composite\n"  # an index the shipped file gives none
        "^GSPC,index,,index,the index\n",  # no proxy: the shipped SPY stays
    )
    mine = load_equivalents(lexicon)
    assert mine.family("^RUT") == ["^RUT", "VTWO"] and mine.canonical("IWM") == "IWM"
    assert mine.canonical("ONEQ") == "^IXIC" and mine.proxy("^GSPC") == "SPY"
    assert load_equivalents().family("^RUT") == ["^RUT", "IWM"]  # the shipped ones unchanged


def test_symbols_user_proxies_reach_prices_and_grading(tmp_path: Path) -> None:
    mine = load_equivalents(_lexicon(tmp_path, "^IXIC,index,ONEQ,index,Nasdaq Composite\n"))
    claim = make_claim(make_article(), subject="^IXIC")
    assert "ONEQ" not in symbols_for([claim], "^GSPC")
    assert "ONEQ" in symbols_for([claim], "^GSPC", mine)
    days = pd.bdate_range("2023-11-01", "2024-01-31", name="date")
    closes = pd.Series(range(100, 100 + len(days)), index=days, dtype=float)
    assert candidates("^IXIC", mine) == ["^IXIC", "ONEQ"] and candidates("^IXIC") == ["^IXIC"]
    graded = resolve_claim(claim, PriceBook(closes={"ONEQ": closes}, equivalents=mine), AS_OF)
    assert graded.series == "ONEQ" and graded.status in {"hit", "miss"}
    shipped = resolve_claim(claim, PriceBook(closes={"ONEQ": closes}), AS_OF)
    assert shipped.series is None and shipped.status == "no_data"
