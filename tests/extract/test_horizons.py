"""Horizon phrases against the publication date: a table of own sentences, and properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.horizons import find_horizons, resolve_horizon

WED = date(2024, 5, 8)  # a Wednesday
NOV = date(2023, 11, 28)
JAN = date(2024, 1, 12)  # a Friday
D = date

# (sentence, published, expected end, assumed)
TABLE: list[tuple[str, date, date, bool]] = [
    # relative spans
    ("I expect the stock to climb 20% over the next year.", WED, D(2025, 5, 8), False),
    ("Shares could double within a year.", WED, D(2025, 5, 8), False),
    ("The index should reach 6,000 a year from now.", WED, D(2025, 5, 8), False),
    ("We see 15% upside over the next 12-18 months.", WED, D(2025, 5, 8), False),
    ("It can rally 8% in the next two weeks.", WED, D(2024, 5, 22), False),
    ("Expect a drop of 5% over the next three sessions.", WED, D(2024, 5, 13), False),
    ("It could pop in the next few sessions.", WED, D(2024, 5, 15), False),
    ("The stock may rise 10% in the next five trading days.", WED, D(2024, 5, 15), False),
    ("Look for a bounce in the coming days.", WED, D(2024, 5, 13), False),
    ("Gains should continue in the coming weeks.", NOV, D(2024, 1, 9), False),
    ("I expect a rally over the coming months.", WED, D(2024, 11, 8), False),
    ("The stock may rise 30% in six months.", WED, D(2024, 11, 8), False),
    ("Our 12-month target for the index is 5,500.", WED, D(2025, 5, 8), False),
    ("It should outperform the S&P 500 in the near term.", WED, D(2024, 8, 8), False),
    # today, tomorrow, weekdays: roll forward to a trading day
    ("The stock will rally today.", WED, D(2024, 5, 8), False),
    ("The stock will rally today.", D(2024, 5, 11), D(2024, 5, 13), False),
    ("It should rally into the close.", WED, D(2024, 5, 8), False),
    ("Expect a gap up tomorrow.", WED, D(2024, 5, 9), False),
    ("Expect a gap up tomorrow.", D(2024, 5, 10), D(2024, 5, 13), False),
    ("Expect a gap up tomorrow.", D(2024, 7, 3), D(2024, 7, 5), False),
    ("It may hit $100 by Friday.", WED, D(2024, 5, 10), False),
    ("Watch for 4,200 by next Friday.", WED, D(2024, 5, 17), False),
    # this/next week, month, quarter, year; year-end; the rest of
    ("I see a 3% dip this week.", WED, D(2024, 5, 10), False),
    ("I see a 3% dip this week.", D(2023, 3, 18), D(2023, 3, 24), False),
    ("We expect a rally next week.", WED, D(2024, 5, 17), False),
    ("Shares could slide 10% this month.", WED, D(2024, 5, 31), False),
    ("The index may gain 4% next month.", WED, D(2024, 6, 28), False),
    ("The stock may gain 4% by the end of the quarter.", WED, D(2024, 6, 28), False),
    ("Expect 5,200 by the end of the year.", WED, D(2024, 12, 31), False),
    ("I see SPX at 5,000 EOY.", WED, D(2024, 12, 31), False),
    ("We target 6,150 by year-end 2025.", WED, D(2025, 12, 31), False),
    ("The index should end 2025 at 6,500.", WED, D(2025, 12, 31), False),
    ("I expect new highs by the end of next year.", WED, D(2025, 12, 31), False),
    ("Tech should lead through the rest of the year.", WED, D(2024, 12, 31), False),
    ("The rest of 2023 should be rough for banks.", D(2023, 6, 1), D(2023, 12, 29), False),
    ("Expect a rally by year-end.", NOV, D(2023, 12, 29), False),
    ("I expect gains next year.", NOV, D(2024, 12, 31), False),
    ("Stocks can rise 10% this year.", WED, D(2024, 12, 31), False),
    ("We see 5,000 by mid-year.", JAN, D(2024, 6, 28), False),
    ("The stock should rally in early 2025.", WED, D(2025, 3, 31), False),
    ("It should rally 5% into the new year.", D(2023, 12, 20), D(2024, 1, 31), False),
    # calendar years, halves, quarters
    ("Small caps could outperform in 2025.", WED, D(2025, 12, 31), False),
    ("The stock may double in fiscal 2025.", WED, D(2025, 12, 31), True),
    ("It should rally in the second half.", WED, D(2024, 12, 31), False),
    ("We see upside in 2H.", WED, D(2024, 12, 31), False),
    ("It should rally in the first half.", D(2024, 8, 1), D(2025, 6, 30), False),
    ("I expect a rebound in Q3.", WED, D(2024, 9, 30), False),
    ("Expect a slide in the second or third quarter.", WED, D(2024, 9, 30), False),
    ("Our full-year target for the index is 5,300.", WED, D(2024, 12, 31), False),
    ("Our 2026 forecast for the index is 7,000.", WED, D(2026, 12, 31), False),
    ("We see small caps at 2,500 by yearend '25.", WED, D(2025, 12, 31), False),
    ("We see 4,400 by mid-year 2025.", WED, D(2025, 6, 30), False),
    ("Between now and Thanksgiving the tape should stay firm.", WED, D(2024, 11, 27), False),
    ("I expect a rebound in the third quarter of 2025.", WED, D(2025, 9, 30), False),
    ("The stock could slip in Q1.", WED, D(2025, 3, 31), False),
    ("Margins recover and shares rise in fiscal Q2.", WED, D(2024, 6, 28), True),
    # months and dates
    ("It should top $50 by March.", WED, D(2025, 3, 31), False),
    ("It should top $50 by March.", JAN, D(2024, 3, 28), False),  # 3-29 is Good Friday
    ("Look for weakness in June.", WED, D(2024, 6, 28), False),
    ("We see 160 by mid-March 2024.", JAN, D(2024, 3, 15), False),
    ("The index may climb before July.", WED, D(2024, 6, 28), False),
    ("I expect 4,800 by March 15.", WED, D(2025, 3, 14), False),
    ("The target is hit by 1/26/2024.", JAN, D(2024, 1, 26), False),
    # seasons and named days
    ("Stocks rally before Summer is done.", D(2024, 7, 1), D(2024, 9, 20), False),
    ("The market can bottom by the fall.", WED, D(2024, 12, 20), False),
    ("I look for a rally this winter.", NOV, D(2024, 3, 20), False),
    ("The stock can rise before summer.", WED, D(2024, 6, 18), False),  # 6-19 is Juneteenth
    ("We see 5,000 by Christmas.", WED, D(2024, 12, 24), False),
    ("It can rally by Thanksgiving.", WED, D(2024, 11, 27), False),
    ("Expect a drop by Independence Day.", WED, D(2024, 7, 3), False),
    ("I expect it to rebound by Labor Day.", WED, D(2024, 8, 30), False),
    # events
    ("Stocks should rise before the election.", WED, D(2024, 11, 5), False),
    ("Stocks should rise before the election.", D(2024, 12, 1), D(2026, 11, 3), False),
    ("Yields drop and stocks rally ahead of the Fed meeting.", WED, D(2024, 6, 12), False),
    ("I expect a bounce by the June FOMC.", JAN, D(2024, 6, 12), False),
    ("Stocks may rally into the jobs report.", WED, D(2024, 6, 7), False),
    (
        "The chip maker should run up in the run-up to the following week's earnings report.",
        WED,
        D(2024, 5, 17),
        False,
    ),
    # fallbacks: assumed, and said so
    ("Shares could rise 5% into earnings.", JAN, D(2024, 1, 30), True),
    ("Expect a run going into earnings.", WED, D(2024, 7, 30), True),
    ("Stocks may slip ahead of the Fed meeting.", D(2030, 1, 2), D(2030, 2, 13), True),
    ("Small caps can beat large caps over the long term.", WED, D(2025, 5, 8), True),
    ("It will double eventually.", WED, D(2025, 5, 8), True),
    ("It should reach 150 by 2/30/2024.", JAN, D(2025, 1, 12), True),
    ("The Dow can hit 40,000 by the end of 2022.", D(2023, 1, 10), D(2024, 1, 10), True),
]


@pytest.mark.parametrize(("sentence", "published", "end", "assumed"), TABLE)
def test_horizons_table(sentence: str, published: date, end: date, assumed: bool) -> None:
    found = find_horizons(sentence)
    assert len(found) == 1, [m.text for m in found]
    horizon = resolve_horizon(found[0], published, "move")
    assert (horizon.end, horizon.assumed) == (end, assumed), horizon
    assert horizon.text and horizon.text.startswith(found[0].text)
    assert found[0].text.lower() in sentence.lower()
    assert horizon.start is not None and published <= horizon.start <= end
    if assumed:
        assert "(" in horizon.text and horizon.text.endswith(")")  # the reason is given


@pytest.mark.parametrize(
    ("sentence", "why"),
    [
        ("The stock will rally in the next 99999999999 months.", "over 30 years"),
        ("Gold could triple over the next 40 years.", "over 30 years"),
        ("The index should reach 100,000 by the end of 2150.", "ends 2150-12-31"),
    ],
)
def test_horizons_over_30_years_or_past_2100_give_no_window(sentence: str, why: str) -> None:
    found = find_horizons(sentence)
    assert len(found) == 1, [m.text for m in found]
    horizon = resolve_horizon(found[0], WED, "move")
    assert (horizon.start, horizon.end) == (WED, None)
    assert horizon.text == (
        f"{found[0].text} ({why}: a window over 30 years or past 2100 is not graded)"
    )


def test_horizons_table_is_broad() -> None:
    assert len(TABLE) >= 60


@pytest.mark.parametrize(
    ("sentence", "published", "start", "end"),
    [
        ("double the S&P during the first half of 2024", NOV, D(2024, 1, 1), D(2024, 6, 28)),
        ("during the first six months of 2024", NOV, D(2024, 1, 1), D(2024, 6, 28)),
        ("will rally in the second half", JAN, D(2024, 7, 1), D(2024, 12, 31)),
        ("small caps could outperform in 2024", NOV, D(2024, 1, 1), D(2024, 12, 31)),
        ("not likely to rally another 250% next year", D(2023, 12, 18), D(2024, 1, 1), D(2024, 12, 31)),
        ("a catch-up play from a near-to-medium-term perspective", D(2023, 6, 8), D(2023, 6, 8), D(2023, 12, 8)),
        ("we target 6,000 by the end of 2025", WED, WED, D(2025, 12, 31)),
        ("look for a bid next month", WED, D(2024, 6, 1), D(2024, 6, 28)),
        ("rally in March", JAN, D(2024, 3, 1), D(2024, 3, 28)),
        ("strong May thru October 2023", D(2023, 5, 2), D(2023, 5, 2), D(2023, 10, 31)),
    ],
)  # fmt: skip
def test_horizons_window_starts(sentence: str, published: date, start: date, end: date) -> None:
    (found,) = find_horizons(sentence)
    horizon = resolve_horizon(found, published, "move")
    assert (horizon.start, horizon.end) == (start, end)


@pytest.mark.parametrize(
    "sentence",
    [
        "The shares rose 40% over the past 12 months.",
        "It peaked two weeks ago.",
        "Goldman raised its price target to $60 today.",
        "We are buying IWM this week.",
        "The stock trades at $50 today.",
    ],
)
def test_horizons_past_and_reporting_phrases_are_not_windows(sentence: str) -> None:
    assert find_horizons(sentence) == []


def test_horizons_known_event_dates_override_estimates() -> None:
    (found,) = find_horizons("Shares could rise 5% into earnings.")
    horizon = resolve_horizon(found, JAN, "move", events={"earnings": D(2024, 2, 1)})
    assert (horizon.end, horizon.assumed, horizon.text) == (D(2024, 2, 1), False, "into earnings")


def test_horizons_default_is_assumed_and_undated_stays_open() -> None:
    horizon = resolve_horizon(None, NOV, "move")
    assert (horizon.start, horizon.end, horizon.text, horizon.assumed) == (
        NOV,
        D(2024, 11, 28),
        None,
        True,
    )
    assert resolve_horizon(None, None, "move").end is None


def test_horizons_past_the_calendar_give_no_date_and_say_why() -> None:
    horizon = resolve_horizon(None, date.max, "move")
    assert (horizon.end, horizon.assumed) == (None, True)
    assert horizon.text and "no date" in horizon.text
    (found,) = find_horizons("It can rally in the next two weeks.")
    horizon = resolve_horizon(found, date.max, "move")
    assert horizon.end is None and horizon.assumed and "no date" in (horizon.text or "")


PHRASES = [s for s, *_ in TABLE] + [
    "in the next {n} {unit}",
    "over the next {n}-{n} {unit}",
    "within {n} {unit}",
    "by {month} {n}",
    "by {n}/{n}/{n}",
    "in Q{n} {n}",
    "by the end of {n}",
]
UNITS = ["days", "sessions", "weeks", "months", "quarters", "years", "decades", "trading days"]
MONTHS = ["January", "Feb.", "March", "May", "June", "September", "Dec."]


@st.composite
def sentences(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(PHRASES))
    while "{n}" in template:
        template = template.replace("{n}", str(draw(st.integers(0, 10**15))), 1)
    template = template.replace("{unit}", draw(st.sampled_from(UNITS)))
    return template.replace("{month}", draw(st.sampled_from(MONTHS)))


KINDS = st.sampled_from(["target", "move", "relative", "direction", "other"])


@given(sentence=sentences(), published=st.dates(), kind=KINDS)
def test_horizons_never_raise_and_windows_are_ordered(
    sentence: str, published: date, kind: str
) -> None:
    for found in [*find_horizons(sentence), None]:
        horizon = resolve_horizon(found, published, kind)
        assert horizon.start == published or horizon.start is None or horizon.start > published
        if horizon.end is not None:
            assert horizon.start is not None and horizon.end >= horizon.start >= published
        else:  # past the calendar's end, or a window no record can grade
            assert horizon.text and (horizon.assumed or "is not graded" in horizon.text)


@given(text=st.text(max_size=200), published=st.dates())
def test_horizons_any_text_resolves(text: str, published: date) -> None:
    for found in find_horizons(text):
        horizon = resolve_horizon(found, published, "move")
        assert horizon.end is None or horizon.end >= published
