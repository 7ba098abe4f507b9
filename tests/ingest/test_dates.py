from __future__ import annotations

from datetime import date

import pytest

from pipeline.ingest.dates import date_from_url, first_date, infer_date, parse_date


@pytest.mark.parametrize(
    ("text", "expected", "evidence"),
    [
        (
            "The gap-up for IWM on Friday, 6/2/23, held; Nasdaq faded on 6/7/23.",
            date(2023, 6, 7),
            "6/7/23",
        ),
        (
            "Written on Tuesday, November 28, 2023 before the open.",
            date(2023, 11, 28),
            "Tuesday, November 28, 2023",
        ),
        ("As of 28 Nov 2023 the index was flat.", date(2023, 11, 28), "28 Nov 2023"),
        ("Data through 2023-12-01 and 12/4/2023.", date(2023, 12, 4), "12/4/2023"),
        ("On 25/12/2023 markets were shut.", date(2023, 12, 25), "25/12/2023"),
    ],
)
def test_dates_infer_latest_full_date(text: str, expected: date, evidence: str) -> None:
    found = infer_date(text, today=date(2025, 1, 1))
    assert found is not None and (found.day, found.evidence) == (expected, evidence)


@pytest.mark.parametrize(
    "text",
    [
        "Small caps could double in 2024 and the survey ran Jan. 5-11.",
        "On Monday, 6/2/23, stocks rose.",  # 2 June 2023 was a Friday: not trusted
        "A 3/4 majority and 10/20 vision are not dates.",
        "Target for 12/31/2099 is ambitious.",  # after today
    ],
)
def test_dates_infer_nothing_from_vague_or_inconsistent_text(text: str) -> None:
    assert infer_date(text, today=date(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/2023/11/28/slug/", date(2023, 11, 28)),
        ("https://a.example/news/2024-02-16-weekly-notes", date(2024, 2, 16)),
        ("https://a.example/20240105/story.html", date(2024, 1, 5)),
        ("https://a.example/2023/11/slug", None),
        ("https://a.example/article/4660001-banks", None),
    ],
)
def test_dates_from_url(url: str, expected: date | None) -> None:
    assert date_from_url(url) == expected


def test_dates_parse_machine_values_and_bylines() -> None:
    assert parse_date("2023-12-18T17:05:00-05:00") == date(2023, 12, 18)
    assert parse_date("Mon, 04 Mar 2024 08:00:00 GMT") == date(2024, 3, 4)
    assert parse_date("not a date") is None and parse_date("") is None
    assert first_date("Jan. 08, 2024 1:05 PM ET") == date(2024, 1, 8)
    assert first_date("By Priya Raman, Markets Reporter") is None
