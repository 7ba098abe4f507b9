"""Analyst calls (pipeline/extract/analyst.py), forecast tables (tables.py), target sides
from prices (sides.py) and how calls become claims (calls.py). Sentences are our own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.extract.analyst import find_calls, find_ratings
from pipeline.extract.claims import claims_from_doc, make_nlp
from pipeline.extract.sides import book_from_folder, close_at, orient_targets
from pipeline.extract.tables import find_table_rows
from pipeline.models import Article, Claim
from pipeline.settings import Settings

SETTINGS = Settings(progress=False)
NLP = make_nlp(SETTINGS)


def _claims(
    text: str, published: date = date(2024, 5, 6), author: str = "Pat Writer"
) -> list[Claim]:
    article = Article.build(
        location="t", text=text, raw=text, raw_format="text", published=published, author=author
    )
    return claims_from_doc(NLP(text), article, SETTINGS)


@pytest.mark.parametrize(
    ("sentence", "new", "previous", "action"),
    [
        ("Mizuho raised its price target on Intel to $48 from $44 on Monday.", 48, 44, "raise"),
        (
            "Microsoft had its price objective trimmed by KeyBanc from $500 to $470.",
            470,
            500,
            "cut",
        ),
        ("Stifel kept a $95 target on Nike.", 95, None, "maintain"),
        ("Truist started coverage of Uber with a $90 price target.", 90, None, "initiate"),
        ("The firm now rates the stock a buy, with a PT of $61 from $55.", 61, 55, "raise"),
        ("BofA: Lowered its S&P 500 target to 5,300 from 5,800.", 5300, 5800, "cut"),
    ],
)
def test_analyst_target_actions(
    sentence: str, new: float, previous: float | None, action: str
) -> None:
    from pipeline.extract.analyst import settle_action

    (call,) = [c for c in find_calls(sentence) if c.has_target]
    assert (call.target_low, call.previous_target) == (new, previous)
    assert settle_action(call.action, call.target_low, call.previous_target) == action


def test_analyst_ratings_in_rating_context_only() -> None:
    (upgrade,) = find_calls("Wolfe upgraded Boeing to Outperform from Peer Perform.")
    assert (upgrade.rating, upgrade.previous_rating, upgrade.has_target) == ("buy", "hold", False)
    assert find_ratings("Investors rushed to buy the dip and sell the rip.") == []
    assert find_ratings("The outlook turned positive after the data.") == []


def test_analyst_index_names_and_differences_are_not_levels() -> None:
    assert find_calls("Its S&P 500 target implies little change.") == []
    assert find_calls("Year-end targets now span roughly 1,200 points.") == []
    (call,) = find_calls("Its S&P 500 target is 5,900.")
    assert call.target_low == 5900


def test_analyst_implied_upside_is_one_claim_the_target() -> None:
    (claim,) = _claims(
        "Barclays lifted its target on Apple to $250 from $230, implying 14% upside."
    )
    assert (claim.kind, claim.target_low, claim.direction) == ("target", 250, "up")
    assert (claim.forecaster_org, claim.action, claim.previous_target) == ("Barclays", "raise", 230)


def test_analyst_quoted_firm_holds_the_call_not_the_reporter() -> None:
    (claim,) = _claims("Citigroup cut its price target on Tesla to $180 from $200 on Friday.")
    assert claim.forecaster_org == "Citi" and claim.forecaster_role == "quoted"
    assert claim.subject == "TSLA" and claim.horizon_assumed


def test_analyst_rating_is_never_a_relative_call() -> None:
    claims = _claims("Jefferies upgraded Nvidia to Outperform, citing data-center demand.")
    assert [(c.kind, c.direction, c.rating) for c in claims] == [("direction", "up", "buy")]


def test_analyst_stated_price_sets_a_hold_target_below_it_down() -> None:
    (claim,) = _claims(
        "Wells Fargo raised its Walmart target to $63 from $58 and kept an equal weight "
        "rating; the stock closed at $65.10."
    )
    assert claim.direction == "down" and claim.rating == "hold"


def test_analyst_negated_contractions() -> None:
    (claim,) = _claims("We don't expect the Dow to revisit 37,600 this year.")
    assert claim.negated and claim.subject == "^DJI"
    (doubt,) = _claims("I doubt QQQ gets back above $500 before the summer.")
    assert doubt.negated


def test_tables_pipe_table_with_a_dropped_separator() -> None:
    text = (
        "Targets on Meta after the print:\n| Broker | Price target |\n\n"
        "| Loop Capital | $620 |\n| Street average | $575 |\n"
    )
    rows = find_table_rows(text)
    assert [(r.firm, r.target_low, r.average) for r in rows] == [
        ("Loop Capital", 620, False),
        (None, 575, True),
    ]
    claims = _claims(text)
    assert {(c.subject, c.target_low, c.consensus) for c in claims} == {
        ("META", 620, False),
        ("META", 575, True),
    }


def test_tables_tab_and_aligned_text_and_no_target_column() -> None:
    tab = "Firm\tYear-end 2025\nUBS\t6,400\nHSBC\t6,700\n"
    assert [(r.firm, r.target_low) for r in find_table_rows(tab)] == [("UBS", 6400), ("HSBC", 6700)]
    aligned = "Firm        Target\nNomura      6,100\nBMO         6,650\n"
    assert [r.target_low for r in find_table_rows(aligned)] == [6100, 6650]
    assert find_table_rows("| Firm | Rating |\n| UBS | Buy |\n| HSBC | Hold |\n") == []


def test_sides_close_at_publication_is_split_aware(prices_dir: Path) -> None:
    book = book_from_folder(prices_dir.resolve())
    # NVDA split 10-for-1 on 2024-06-10: a May 2023 statement used pre-split dollars.
    before = close_at(book, "NVDA", date(2023, 5, 1))
    after = close_at(book, "NVDA", date(2024, 7, 1))
    assert before is not None and after is not None and before > 200 > after


def test_sides_orient_a_year_end_target_below_the_index(prices_dir: Path) -> None:
    (claim,) = _claims(
        "Morgan Stanley kept its year-end S&P 500 target of 4,500.", date(2024, 3, 12)
    )
    assert claim.direction == "up"  # the text alone cannot tell
    book = book_from_folder(prices_dir.resolve())
    (oriented,) = orient_targets([claim], book)
    assert oriented.direction == "down"  # the index closed near 5,100 that day


def test_tables_survey_with_person_and_two_year_columns() -> None:
    text = (
        "Where strategists see the S&P 500:\n"
        "| Firm | Strategist | 2024 target | 2025 target |\n|---|---|---|---|\n"
        "| Goldman Sachs | David Kostin | 5,100 | 6,500 |\n"
        "| UBS | Jonathan Golub | 4,850 | 6,400 |\n"
    )
    claims = _claims(text, published=date(2024, 11, 20))
    assert [
        (c.forecaster, c.forecaster_org, c.target_low, c.previous_target, c.horizon_end)
        for c in claims
    ] == [
        ("David Kostin", "Goldman Sachs", 6500, 5100, date(2025, 12, 31)),
        ("Jonathan Golub", "UBS", 6400, 4850, date(2025, 12, 31)),
    ]
    assert {c.subject for c in claims} == {"^GSPC"}


def test_analyst_a_prior_forecast_is_not_a_new_call() -> None:
    (claim,) = _claims(
        "Nomura now sees the S&P 500 ending 2026 at 7,000, up from its earlier forecast of 6,600.",
        published=date(2025, 10, 1),
    )
    assert (claim.target_low, claim.horizon_end) == (7000, date(2026, 12, 31))
    assert claim.forecaster_org == "Nomura"


def test_claims_coordinated_subjects_share_a_call_but_not_a_level() -> None:
    claims = _claims(
        "We expect utilities and consumer staples to outperform the S&P 500 this year."
    )
    assert sorted((c.subject, c.kind, c.benchmark) for c in claims) == [
        ("XLP", "relative", "^GSPC"),
        ("XLU", "relative", "^GSPC"),
    ]
    (level,) = _claims("We think Apple and Microsoft can reach $250.")
    assert level.kind == "target"


def test_analyst_index_target_year_from_its_noun() -> None:
    december = date(2024, 12, 9)
    (named,) = _claims("Evercore raised its end-25 S&P 500 target to 6,800.", december)
    assert named.horizon_end == date(2025, 12, 31)
    (bare,) = _claims("Evercore raised its year-end S&P 500 target to 6,800.", december)
    assert bare.horizon_end == date(2025, 12, 31)  # a December call is for next year
    (june,) = _claims("Evercore raised its year-end S&P 500 target to 6,800.", date(2024, 6, 3))
    assert june.horizon_end == date(2024, 12, 31)


def test_tables_only_forecast_tables_hide_their_lines_from_the_sentence_rules() -> None:
    text = "Desk    Note\nMacro   I expect IWM to rally 10% by year-end.\n"
    (claim,) = _claims(text, published=date(2024, 3, 4))
    assert (claim.subject, claim.kind, claim.move_pct) == ("IWM", "move", 10)
