from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract.horizons import find_horizons, resolve_horizon

P = date(2023, 11, 28)


@pytest.mark.parametrize(
    ("sentence", "published", "start", "end"),
    [
        ("a good investment for the coming month", P, P, date(2023, 12, 28)),
        (
            "15% upside in the next 12 months",
            date(2024, 1, 22),
            date(2024, 1, 22),
            date(2025, 1, 22),
        ),
        ("double the S&P during the first half of 2024", P, date(2024, 1, 1), date(2024, 6, 30)),
        ("during the first six months of 2024", P, date(2024, 1, 1), date(2024, 6, 30)),
        ("will rally in the second half", date(2024, 1, 22), date(2024, 7, 1), date(2024, 12, 31)),
        (
            "a blow-off move into the new year",
            date(2023, 12, 20),
            date(2023, 12, 20),
            date(2024, 1, 31),
        ),
        ("a rally by year-end", P, P, date(2023, 12, 31)),
        ("small caps could outperform in 2024", P, date(2024, 1, 1), date(2024, 12, 31)),
        ("I see upside in 2H24", date(2024, 3, 1), date(2024, 7, 1), date(2024, 12, 31)),
        ("over the next few weeks", P, P, date(2024, 1, 9)),
        (
            "not likely to rally another 250% next year",
            date(2023, 12, 18),
            date(2024, 1, 1),
            date(2024, 12, 31),
        ),
        (
            "a catch-up play from a near-to-medium-term perspective",
            date(2023, 6, 8),
            date(2023, 6, 8),
            date(2023, 12, 8),
        ),
    ],
)
def test_horizons_normalise_against_publication(
    sentence: str, published: date, start: date, end: date
) -> None:
    found = find_horizons(sentence)
    assert found, sentence
    horizon = resolve_horizon(found[0], published, "move")
    assert (horizon.start, horizon.end, horizon.assumed) == (start, end, False)
    assert horizon.text and horizon.text.lower() in sentence.lower()


def test_horizons_default_is_assumed_and_undated_stays_open() -> None:
    horizon = resolve_horizon(None, P, "move")
    assert (horizon.start, horizon.end, horizon.text, horizon.assumed) == (
        P,
        date(2024, 11, 28),
        None,
        True,
    )
    assert resolve_horizon(None, None, "move").end is None
