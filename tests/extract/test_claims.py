from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import spacy

from pipeline.extract.claims import claims_from_doc, make_nlp
from pipeline.extract.instruments import find_mentions
from pipeline.models import Article, Claim
from pipeline.settings import Settings


def claims_in(
    text: str, published: date | None = date(2024, 1, 22), author: str | None = "Jane Doe"
) -> list[Claim]:
    article = Article.build(
        location="t.txt", text=text, raw=text, raw_format="text", published=published, author=author
    )
    return claims_from_doc(make_nlp()(text), article, Settings())


def test_extract_pipeline_is_blank_english_rules() -> None:
    nlp = make_nlp()
    assert nlp.pipe_names == ["sentencizer", "thesis_paragraph_breaks", "thesis_instruments"]
    assert isinstance(nlp, type(spacy.blank("en")))
    doc = nlp("Small caps could outperform.\nIWM will rally")
    assert [s.text.strip() for s in doc.sents] == ["Small caps could outperform.", "IWM will rally"]
    assert [(s.text, s.label_) for s in doc.spans["instruments"]] == [
        ("Small caps", "^RUT"),
        ("IWM", "IWM"),
    ]


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("$iShares Russell 2000 ETF(IWM)$ and $NVDA", ["IWM", "NVDA"]),
        ("small caps (NYSEARCA:IWM) vs the S&P 500 (^GSPC)", ["^RUT", "IWM", "^GSPC", "^GSPC"]),
        ("NVIDIA Corp. (NVDA) and Microsoft", ["NVDA", "NVDA", "MSFT"]),
        ("the tech sector (XLK) beat the Nasdaq 100 and the Dow", ["XLK", "XLK", "^NDX", "^DJI"]),
        ("IT is ON FOR NOW and A ALL", []),
    ],
)
def test_extract_tags_instruments(text: str, symbols: list[str]) -> None:
    assert [m.symbol for m in find_mentions(text)] == symbols


@pytest.mark.parametrize(
    "text",
    [
        "The IWM is up around 3% YTD, as I write this, while the S&P 500 is up close to 20%.",
        "By the end of the week, the small-cap index rallied 5.5% to post its fifth green week in a row.",
        "The index has an overall PE ratio of 23.85, still above the S&P500.",
        "Back in May, I advised readers to buy the dip in IWM.",
        "A survey showed 62% of managers are overweight small caps.",
        "Will small caps break out into the new year?",
    ],
)
def test_extract_ignores_statistics_and_past(text: str) -> None:
    assert claims_in(text) == []


def test_extract_move_target_relative_direction() -> None:
    text = (
        "I think the IWM could rally close to 70% from here, while the SPX may only rally 30%.\n"
        "The SPX could head into the 5500-6000 level.\n"
        "I expect small caps to double the performance of the S&P 500 during the first half of 2024.\n"
        "Investors should buy small caps in the coming month."
    )
    got = {
        (c.subject, c.kind, c.direction, c.move_pct, c.target_low, c.target_high, c.ratio, c.hedge)
        for c in claims_in(text)
    }
    assert got == {
        ("IWM", "move", "up", 70.0, None, None, None, "could"),
        ("^GSPC", "move", "up", 30.0, None, None, None, "may"),
        ("^GSPC", "target", "up", None, 5500.0, 6000.0, None, "could"),
        ("^RUT", "relative", "up", None, None, None, 2.0, "expect"),
        ("^RUT", "direction", "up", None, None, None, None, "should"),
    }


def test_extract_flags_negated_and_conditional() -> None:
    (neg,) = claims_in(
        "No, it's not likely NVDA is going to rally another 250% next year.", date(2023, 12, 18)
    )
    assert (neg.negated, neg.conditional, neg.move_pct, neg.horizon_start, neg.horizon_end) == (
        True,
        False,
        250.0,
        date(2024, 1, 1),
        date(2024, 12, 31),
    )
    (cond,) = claims_in("A breakout above 200 in IWM would be huge.")
    assert (cond.kind, cond.target_low, cond.conditional) == ("target", 200.0, True)


def test_extract_attributes_quoted_views_not_reporter() -> None:
    text = (
        "Goldman Sachs equity analyst Ben Snider told us that small caps look cheap.\n"
        "Meanwhile, the equity research team at Goldman Sachs sees a 15% upside for the Russell 2000 in the next 12 months.\n"
        "Fundstrat head of research Tom Lee believes small-cap equities will rally in the second half.\n"
        "“I think IWM could rally 10% by year-end,” Snider said.\n"
        "I think QQQ could fall 10% by year-end."
    )
    who = {
        (c.subject, c.forecaster, c.forecaster_org, c.forecaster_role)
        for c in claims_in(text, author="Josh Schafer")
    }
    assert who == {
        ("^RUT", "Goldman Sachs", "Goldman Sachs", "quoted"),
        ("^RUT", "Tom Lee", "Fundstrat", "quoted"),
        ("IWM", "Ben Snider", "Goldman Sachs", "quoted"),
        ("QQQ", "Josh Schafer", None, "author"),
    }


def test_extract_default_horizon_is_assumed_and_evidence_offsets_point_at_text() -> None:
    text = "Intro line.\nBased on TA, I think the IWM could rally close to 70% from here."
    (claim,) = claims_in(text, published=date(2023, 11, 28))
    assert (claim.horizon_assumed, claim.horizon_end) == (True, date(2024, 11, 28))
    assert text[claim.evidence_start : claim.evidence_end] == claim.evidence


def test_extract_undated_article_keeps_claims_without_dates() -> None:
    (claim,) = claims_in("IWM could rally 20% in the next 12 months.", published=None)
    assert (claim.horizon_start, claim.horizon_end, claim.horizon_text) == (
        None,
        None,
        "in the next 12 months",
    )


def test_extract_user_lexicon_extends_and_tag_lists_are_not_mentions(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "symbol,kind,proxy,scale_hint,aliases\nARKK,etf,,price,ARK Innovation ETF|ARKK\n"
    )
    settings = Settings().with_overrides(extract={"lexicon": (extra,)})
    text = "I think the ARK Innovation ETF could rally 40% next year.\n$iShares Russell 2000 ETF(IWM)$  $NVDA\n"
    doc = make_nlp(settings)(text)
    assert [(s.text, s.label_) for s in doc.spans["instruments"]] == [
        ("ARK Innovation ETF", "ARKK")
    ]
    assert "ARKK" not in {s.label_ for s in make_nlp()(text).spans["instruments"]}
