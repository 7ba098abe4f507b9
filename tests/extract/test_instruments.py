from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline.extract.instruments import canonical, find_mentions, load_lexicon
from pipeline.extract.names import everyday_names, listing_kind

DEVSET = Path(__file__).resolve().parents[2] / ".." / "shared" / "devset"
if not DEVSET.is_dir():
    DEVSET = Path("/work/shared/devset")
#: Share of gold subjects (distinct per article) found among the article's mentions.
DEVSET_SUBJECT_FLOOR = 0.95


def symbols(text: str, **kwargs: object) -> list[str]:
    return [m.symbol for m in find_mentions(text, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("listed", "names"),
    [
        ("Texas Roadhouse, Inc.", ("Texas Roadhouse",)),
        ("MOHAWK INDUSTRIES INC", ("Mohawk Industries", "Mohawk")),
        ("AMAZON COM INC", ("Amazon.com", "Amazon")),
        ("Domino's Pizza Inc.", ("Domino's Pizza", "Domino's")),
        ("BANK OF AMERICA CORP /DE/", ("Bank of America",)),
        ("Booking Holdings Inc.", ("Booking Holdings", "Booking")),
        ("AT&T INC.", ("AT&T",)),
        ("Acme Widgets Corp Class A Common Stock", ("Acme Widgets",)),
    ],
)
def test_instruments_everyday_names_from_listed_names(listed: str, names: tuple[str, ...]) -> None:
    assert everyday_names(listed) == names


def test_instruments_listing_kind() -> None:
    assert listing_kind("SPDR S&P 500 ETF TRUST") == "etf"
    assert listing_kind("Wingstop Inc.") == "stock"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Our team now likes Texas Roadhouse and Wingstop into the summer.", ["TXRH", "WING"]),
        ("Mohawk Industries slid after a weak quarter at Tenable Holdings.", ["MHK", "TENB"]),
        ("TENB is cheap. I think Tenable can recover; Insight cannot.", ["TENB", "TENB"]),
        ("Kenvue, Vestis and WW International all reported.", ["KVUE", "VSTS", "WW"]),
        ("Domino's looks cheap; so does Amazon.com.", ["DPZ", "AMZN"]),
        ("I own Amazon and Google, and trimmed Facebook.", ["AMZN", "GOOGL", "META"]),
    ],
)
def test_instruments_mid_caps_and_short_names(text: str, expected: list[str]) -> None:
    assert symbols(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Apple could climb after its event.", ["AAPL"]),
        ("An apple a day keeps the doctor away.", []),
        ("Target shares fell after the update.", ["TGT"]),
        ("Target's stock is down 5% this week.", ["TGT"]),
        ("I bought shares of Target yesterday.", ["TGT"]),
        ("Target Corp. reports on Tuesday.", ["TGT"]),
        ("Our price Target is unchanged. Target: 120.", []),
        ("Visa (V) and Ford (F) look cheap.", ["V", "V", "F", "F"]),
        ("Visa rules changed for students.", []),
        ("Ford stock rallied.", ["F"]),
        ("The river was easy to Ford here.", []),
    ],
)
def test_instruments_names_that_are_words(text: str, expected: list[str]) -> None:
    assert symbols(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F and T and C and V are letters.", []),
        ("$F and $T popped; NYSE:C did not.", ["F", "T", "C"]),
        ("Citigroup (C) and AT&T (T) both gained.", ["C", "C", "T", "T"]),
        ("Option (c) is wrong, and (A) too.", []),
        ("IT is ALL ON FOR NOW, A plan we CAN use. ARE you in?", []),
        ("Gartner ($IT) and Allstate (NYSE:ALL) traded higher.", ["IT", "IT", "ALL", "ALL"]),
        ("ServiceNow (NOW) beat estimates.", ["NOW", "NOW"]),
        ("TXRH and MHK are on my list.", ["TXRH", "MHK"]),
        ("STOCKS RALLY AS TRADERS CHEER THE NEWS", []),
    ],
)
def test_instruments_one_letter_and_word_tickers(text: str, expected: list[str]) -> None:
    assert symbols(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Goldman Sachs expects the S&P 500 to rise.", ["^GSPC"]),
        ("Morgan Stanley and JPMorgan cut targets.", []),
        ("Shares of Goldman Sachs rose 2%.", ["GS"]),
        ("Goldman Sachs stock rose; $MS fell.", ["GS", "MS"]),
        ("Wells Fargo (WFC) gained.", ["WFC", "WFC"]),
    ],
)
def test_instruments_brokers_are_speakers_unless_written_as_stocks(
    text: str, expected: list[str]
) -> None:
    assert symbols(text) == expected


@pytest.mark.parametrize(
    "text", ["BRK.B gained", "BRK-B gained", "BRK/B gained", "$BRK.B gained", "Berkshire gained"]
)
def test_instruments_share_classes(text: str) -> None:
    assert symbols(text) == ["BRK-B"]


def test_instruments_google_classes_and_alphabet() -> None:
    assert symbols("GOOG and GOOGL; Alphabet too") == ["GOOG", "GOOGL", "GOOGL"]


def test_instruments_dated_renames() -> None:
    assert symbols("FB beat; $FB rose") == ["META", "META"]
    assert symbols("Square fell; $SQ fell", published=date(2023, 1, 5)) == ["XYZ"]
    lex = load_lexicon()
    assert lex.renames["FB"].day == date(2022, 6, 9)
    assert lex.symbol_for("FB", date(2021, 1, 4)) == "META"


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("Tech stocks could lead again.", "XLK"),
        ("I like the technology sector for 2025.", "XLK"),
        ("Energy should lag.", "XLE"),
        ("Financials may rally.", "XLF"),
        ("Health care looks cheap.", "XLV"),
        ("Utilities and consumer staples are defensive.", "XLU"),
        ("Small caps will outperform.", "^RUT"),
        ("Large caps look expensive.", "^GSPC"),
        ("The Nasdaq could slip while the Dow holds.", "^IXIC"),
    ],
)
def test_instruments_sector_and_index_words(text: str, symbol: str) -> None:
    assert symbols(text)[0] == symbol


@pytest.mark.parametrize(
    "text",
    [
        "Don't burn energy on puts here.",
        "Energy prices should ease into winter.",
        "The chip maker leans on AI technology from partners.",
        "A big tech company reports tonight.",
        "Paying the utilities bill got harder.",
    ],
)
def test_instruments_everyday_sector_words_name_no_sector(text: str) -> None:
    assert not {"XLE", "XLK", "XLU"} & set(symbols(text))


def test_instruments_hashtags() -> None:
    assert symbols("The #dowjones can push on; #NVDA too") == ["^DJI", "NVDA"]
    assert symbols("#gold #bullish #AI #stocks") == []


def test_instruments_consumer_staples_is_one_mention() -> None:
    assert symbols("Utilities and consumer staples") == ["XLU", "XLP"]


def test_instruments_user_lexicon_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "symbol,kind,proxy,scale_hint,aliases\nZZZQ,stock,,price,Wingstop|Zebra Widgets|ZZZQ\n"
    )
    lex = load_lexicon((extra,))
    assert [m.symbol for m in find_mentions("Wingstop and Zebra Widgets", lex)] == [
        "ZZZQ",
        "ZZZQ",
    ]
    assert symbols("Wingstop") == ["WING"]


def test_instruments_lexicon_covers_listings() -> None:
    lex = load_lexicon()
    assert len(lex.instruments) > 6000
    assert lex.instruments["TXRH"].exchange == "NASDAQ"
    assert lex.instruments["SPY"].kind == "etf"


def _devset() -> list[tuple[str, str, set[str]]]:
    out = []
    for gold_file in sorted((DEVSET / "gold").glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        text = (gold_file.parent / gold["source"]).read_text(encoding="utf-8")
        out.append((gold_file.stem, text, {c["subject"] for c in gold["claims"]}))
    return out


@pytest.mark.skipif(not (DEVSET / "gold").is_dir(), reason="no shared devset here")
def test_instruments_devset_gold_subjects_are_mentioned() -> None:
    lex = load_lexicon()
    found = total = 0
    missed = []
    start = time.process_time()
    for stem, text, subjects in _devset():
        mentioned = {canonical(m.symbol) for m in find_mentions(text, lex)}
        for subject in sorted(subjects):
            total += 1
            if canonical(subject) in mentioned:
                found += 1
            else:
                missed.append(f"{stem}: {subject}")
    seconds = time.process_time() - start
    share = found / total
    print(f"devset subjects mentioned: {found}/{total} = {share:.3f} in {seconds:.3f}s CPU")
    assert share >= DEVSET_SUBJECT_FLOOR, missed
    assert seconds < 2.0
