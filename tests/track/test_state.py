from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from pipeline.prices.book import CsvFolderProvider, PriceBook
from pipeline.settings import Settings
from pipeline.track.resolve import claims_frame, grade_frame, resolve_claims

from ..conftest import make_article, make_claim

SYMBOLS = ["IWM", "^RUT", "SPY", "^GSPC"]


def test_state_grade_frame_agrees_with_resolve_claims(prices_dir: Path) -> None:
    provider = CsvFolderProvider(prices_dir)
    book = PriceBook(
        closes={s: provider.fetch(s)["close"] for s in SYMBOLS},
        providers=dict.fromkeys(SYMBOLS, "csv"),
    )
    article = make_article(published=date(2024, 1, 2))
    move = make_claim(article, claim_id="m")
    claims = [
        move,
        replace(move, claim_id="t", kind="target", move_pct=None, target_low=250.0,
                target_high=250.0),
        replace(move, claim_id="r", kind="relative", move_pct=None, benchmark="^GSPC"),
        replace(move, claim_id="d", kind="direction", move_pct=None, direction="down"),
    ]  # fmt: skip
    as_of = date(2025, 6, 30)
    frame = grade_frame(claims_frame(claims, "^GSPC"), book, as_of, Settings())
    outcomes = resolve_claims(claims, book, as_of)
    assert frame["status"].tolist() == [o.status for o in outcomes]
    assert frame["raw_level"].iloc[1] == 250.0
    assert frame["level"].iloc[1] == outcomes[1].level
    assert frame["net_status"].iloc[3] == outcomes[3].net_status
