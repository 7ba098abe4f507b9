"""Synthetic market commentary for the scale benchmark: distinct, realistic, reproducible.

Each article is Markdown with front matter (title, author, published, source, url) and is
built from templates and random choices: forecasters and firms (the project's firms.txt),
instruments (the project's lexicon, instruments.csv), price targets and levels set from
the real close on the publication day (the prices folder, split-adjusted back to the
price quoted on the day), % moves, relative calls, positions, horizons and hedges, between
filler paragraphs about the market that forecast nothing. Article i of a seed is always
the same text; two articles share few word 3-shingles, so ingest's near-copy check keeps
them apart.

    writer = ArticleWriter(Path("../shared/prices"), seed=1)
    text = writer.article(0, size=5_000)    # about 5 KB of Markdown
"""

from __future__ import annotations

import csv
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "pipeline" / "extract" / "data"
FIRST = date(2019, 1, 2)
LAST = date(2024, 12, 20)  # a year of prices after the last article, for the horizons

FIRST_NAMES = [
    "Adaeze",
    "Alonzo",
    "Amara",
    "Anders",
    "Annika",
    "Bettina",
    "Caius",
    "Calla",
    "Corwin",
    "Dalia",
    "Delphine",
    "Desmond",
    "Elspeth",
    "Emeric",
    "Esther",
    "Farid",
    "Fenna",
    "Galen",
    "Greer",
    "Hollis",
    "Ines",
    "Isidro",
    "Jarrah",
    "Joaquin",
    "Kasimir",
    "Leopold",
    "Liesel",
    "Linnea",
    "Lucan",
    "Maelle",
    "Marisol",
    "Matthias",
    "Mireille",
    "Nadia",
    "Nikolai",
    "Odette",
    "Orrin",
    "Petra",
    "Quentin",
    "Rafferty",
    "Rosalind",
    "Sabine",
    "Severin",
    "Tamsin",
    "Teodor",
    "Ulla",
    "Viggo",
    "Wendeline",
    "Yusuf",
    "Zelda",
    "Zoltan",
    "Priya",
    "Kenji",
    "Ingrid",
    "Tobias",
    "Amos",
    "Celeste",
    "Dorian",
    "Harriet",
]
LAST_NAMES = [
    "Abernathy",
    "Achterberg",
    "Baptiste",
    "Bellweather",
    "Castellanos",
    "Crowhurst",
    "Dunleavy",
    "Eastwick",
    "Falkenrath",
    "Fairbairn",
    "Galloway",
    "Grimsdottir",
    "Halvorsen",
    "Hawthorne",
    "Ibarra",
    "Ingleby",
    "Jaworski",
    "Kettering",
    "Kowalczyk",
    "Lindqvist",
    "Lockhart",
    "Marchetti",
    "Mortensen",
    "Nakagawa",
    "Northcott",
    "Okonkwo",
    "Oyelaran",
    "Pemberton",
    "Quintero",
    "Radcliffe",
    "Rautio",
    "Sandoval",
    "Szabo",
    "Thackeray",
    "Trevelyan",
    "Ueda",
    "Valderrama",
    "Vasquez-Holm",
    "Whitcombe",
    "Wojcik",
    "Yarborough",
    "Zeller",
    "Ashdown",
    "Brannigan",
    "Carrow",
    "Delacroix",
    "Eberhardt",
    "Fitzwilliam",
    "Gundersen",
    "Holloway",
    "Iwasaki",
    "Jessup",
    "Kincaid",
]
ROLES = (
    "chief investment strategist",
    "head of US equity strategy",
    "senior equity analyst",
    "chief market strategist",
    "portfolio manager",
    "head of quantitative research",
    "technical analyst",
    "chief economist",
    "equity strategist",
    "head of cross-asset research",
)
SOURCES = (
    "The Tuesday Tape",
    "Ridgeline Markets",
    "Harbor Street Notes",
    "The Contrarian Ledger",
    "Small Cap Dispatch",
    "Quiet Compounding",
    "The Closing Bell Letter",
    "Macro Lantern",
    "Chart Room Weekly",
    "The Breadth Report",
    "Northfield Research Notes",
    "The Midday Wire",
)
HORIZONS = (
    "by the end of the year",
    "by year-end",
    "over the next 12 months",
    "over the next six months",
    "within three months",
    "over the next few weeks",
    "by the end of {year}",
    "by the end of {month} {year}",
    "in the first half of {next_year}",
    "by mid-{next_year}",
    "over the coming year",
    "before the end of the quarter",
    "in {next_year}",
    "over the next two quarters",
)
HEDGES = (
    "I expect {s} to",
    "We expect {s} to",
    "{s} will",
    "{s} should",
    "{s} could",
    "{s} is likely to",
    "I think {s} will",
    "My base case is that {s} will",
    "{s} may",
    "We believe {s} will",
)
UP_MOVES = ("rally", "rise", "climb", "gain", "advance", "surge")
DOWN_MOVES = ("fall", "drop", "decline", "slide", "sink")
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
PRICED = {  # symbol: how commentary names it (the lexicon knows every one)
    "^GSPC": ("the S&P 500", "the S&P 500 index", "the S&P"),
    "^NDX": ("the Nasdaq 100", "the Nasdaq-100"),
    "^RUT": ("the Russell 2000", "small caps", "small-cap stocks"),
    "^IXIC": ("the Nasdaq Composite", "the Nasdaq"),
    "SPY": ("SPY", "the SPDR S&P 500 ETF"),
    "QQQ": ("QQQ", "the Invesco QQQ Trust"),
    "IWM": ("IWM", "the iShares Russell 2000 ETF"),
    "DIA": ("DIA",),
    "XLK": ("XLK", "the Technology Select Sector SPDR"),
    "NVDA": ("Nvidia", "NVDA", "Nvidia (NVDA)"),
    "MSFT": ("Microsoft", "MSFT", "Microsoft (MSFT)"),
    "META": ("Meta Platforms", "Meta", "META"),
    "AAPL": ("Apple", "AAPL", "Apple (AAPL)"),
    "AOSL": ("Alpha & Omega Semiconductor", "AOSL"),
}
FILES = {"^GSPC": "GSPC", "^NDX": "NDX", "^RUT": "RUT", "^IXIC": "IXIC"}
BENCHMARKS = ("the S&P 500", "SPY", "the Nasdaq 100", "the Russell 2000", "the broader market")


@dataclass(frozen=True)
class Instrument:
    symbol: str
    names: tuple[str, ...]
    index: bool


class Prices:
    """Daily closes from the prices folder, as quoted on the day (splits undone)."""

    def __init__(self, folder: Path) -> None:
        self.dates: dict[str, list[date]] = {}
        self.closes: dict[str, list[float]] = {}
        splits = _splits(folder / "splits.csv")
        for symbol in PRICED:
            path = folder / f"{FILES.get(symbol, symbol)}.csv"
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as handle:
                rows = [
                    (date.fromisoformat(r["date"]), float(r["close"]))
                    for r in csv.DictReader(handle)
                ]
            factor = splits.get(symbol, [])
            self.dates[symbol] = [d for d, _ in rows]
            self.closes[symbol] = [c * _factor_after(d, factor) for d, c in rows]

    def close(self, symbol: str, day: date) -> float:
        """The last close on or before `day`; for a symbol with no file, a made-up price
        that is the same for the symbol all month and drifts from year to year."""
        dates = self.dates.get(symbol)
        if not dates:
            made_up = random.Random(f"{symbol}-{day.year}-{day.month}")
            return random.Random(symbol).uniform(15, 450) * made_up.uniform(0.8, 1.25)
        i = max(bisect_right(dates, day) - 1, 0)
        return self.closes[symbol][i]


def _splits(path: Path) -> dict[str, list[tuple[date, float]]]:
    out: dict[str, list[tuple[date, float]]] = {}
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                out.setdefault(row["symbol"], []).append(
                    (date.fromisoformat(row["date"]), float(row["ratio"]))
                )
    return out


def _factor_after(day: date, splits: list[tuple[date, float]]) -> float:
    factor = 1.0
    for when, ratio in splits:
        if day < when:
            factor *= ratio
    return factor


def lexicon() -> list[Instrument]:
    """Every instrument of the shipped lexicon, named as the lexicon spells it."""
    seen: dict[str, Instrument] = {}
    with (DATA / "instruments.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            symbol = row["symbol"]
            if symbol in seen or (symbol.startswith("^") and symbol not in PRICED):
                continue
            aliases = [a for a in row["aliases"].split("|") if a and not a.islower()]
            names = PRICED.get(symbol) or tuple(aliases[:2] or [symbol])
            seen[symbol] = Instrument(symbol, names, row["kind"] == "index")
    return list(seen.values())


def firms() -> list[str]:
    """The canonical name of every firm in firms.txt."""
    lines = (DATA / "firms.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("|")[0] for line in lines if line and not line.startswith("#")]


class ArticleWriter:
    """Writes article `i` of a seed; the same (seed, i) always gives the same text."""

    def __init__(
        self, prices_dir: Path, seed: int = 1, days: tuple[date, date] = (FIRST, LAST)
    ) -> None:
        """`days`: the first and last day an article may be published (weekdays)."""
        self.prices = Prices(prices_dir)
        self.days = days
        self.instruments = lexicon()
        self.priced = [i for i in self.instruments if i.symbol in self.prices.dates]
        self.others = [i for i in self.instruments if i.symbol not in self.prices.dates]
        self.firms = firms()
        self.seed = seed

    def article(self, i: int, size: int) -> str:
        """Markdown with front matter, about `size` bytes long (never shorter)."""
        rng = random.Random(f"{self.seed}-{i}")
        first, last = self.days
        day = first + timedelta(days=rng.randrange(max((last - first).days, 1)))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        author = _person(rng)
        source = rng.choice(SOURCES)
        focus = self._instrument(rng)
        title = _title(rng, focus, day)
        slug = "-".join(w.lower() for w in title.split() if w.isalnum())[:60]
        head = (
            f'---\ntitle: "{title}"\nauthor: {author}\npublished: {day.isoformat()}\n'
            f"source: {source}\nurl: https://{source.lower().replace(' ', '')}.example.com/"
            f"{day.year}/{self.seed}-{i}-{slug}\n---\n\n# {title}\n\n"
        )
        parts = [head, _filler(rng, day) + "\n\n"]
        length = sum(len(p.encode()) for p in parts)
        while length < size:
            if rng.random() < 0.25:
                parts.append(f"## {rng.choice(SECTIONS)}\n\n")
            paragraph = self._views(rng, day, focus) if rng.random() < 0.3 else _filler(rng, day)
            parts.append(paragraph + "\n\n")
            length = sum(len(p.encode()) for p in parts)
        parts.append(f"*{author} writes {source}. Nothing here is investment advice.*\n")
        return "".join(parts)

    def _instrument(self, rng: random.Random) -> Instrument:
        return rng.choice(self.priced if rng.random() < 0.75 else self.others)

    def _views(self, rng: random.Random, day: date, focus: Instrument) -> str:
        """A paragraph of one to three forecasts (1.8 on average), among context sentences."""
        sentences = [_context(rng, day)]
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            inst = focus if rng.random() < 0.4 else self._instrument(rng)
            sentences.append(self._forecast(rng, day, inst))
            if rng.random() < 0.5:
                sentences.append(_reason(rng))
        return " ".join(sentences)

    def _forecast(self, rng: random.Random, day: date, inst: Instrument) -> str:
        name = rng.choice(inst.names)
        horizon = _horizon(rng, day)
        price = self.prices.close(inst.symbol, day)
        kind = rng.choice(("target", "target", "move", "relative", "position", "rating"))
        if kind == "rating" and inst.index:
            kind = "target"
        speaker = _speaker(rng, self.firms)
        if kind == "target":
            up = rng.random() < 0.75
            level = price * (1 + rng.uniform(0.04, 0.3) * (1 if up else -1))
            shown = f"{level:,.0f}" if inst.index else f"${level:,.2f}"
            verb = rng.choice(
                ("reach", "hit", "climb to", "rise to", "trade at")
                if up
                else ("fall to", "drop to", "slide to")
            )
            now = f"{price:,.2f}" if inst.index else f"${price:,.2f}"
            tail = rng.choice(
                (f", from {now} today", f" (it closed at {now} on the day we wrote this)", "")
            )
            return f"{_hedge(rng, speaker, name)} {verb} {shown} {horizon}{tail}."
        if kind == "move":
            up = rng.random() < 0.7
            verb = rng.choice(UP_MOVES if up else DOWN_MOVES)
            pct = rng.choice((5, 7, 8, 10, 12, 15, 18, 20, 25)) + rng.choice((0, 0, 0.5))
            return f"{_hedge(rng, speaker, name)} {verb} {pct:g}% {horizon}."
        if kind == "relative":
            bench = rng.choice([b for b in BENCHMARKS if b not in inst.names])
            verb = rng.choice(("outperform", "beat", "outpace", "lag", "underperform", "trail"))
            return f"{_hedge(rng, speaker, name)} {verb} {bench} {horizon}."
        if kind == "position":
            stance = rng.choice(("overweight", "bullish on", "underweight", "bearish on"))
            who = {"I": "I am"}.get(speaker, f"{speaker} is") if rng.random() < 0.5 else "We are"
            when = rng.choice(POSITION_HORIZONS).format(next_year=day.year + 1)
            return f"{who} {stance} {name} {when}, {rng.choice(POSITION_REASONS)}."
        firm = rng.choice(self.firms)
        rating = rng.choice(("Buy", "Overweight", "Outperform", "Neutral", "Underweight"))
        target = price * rng.uniform(0.85, 1.35)
        previous = target * rng.uniform(0.85, 1.1)
        action = "raised" if target > previous else "cut"
        analyst = _person(rng)
        return (
            f"{firm} analyst {analyst} {action} the price target on {name} to ${target:,.0f} "
            f"from ${previous:,.0f} and kept {'an' if rating[0] in 'AEIOU' else 'a'} {rating} rating."
        )


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _speaker(rng: random.Random, firm_names: list[str]) -> str:
    """Who holds the view: the author ("I"), or a named person at a firm."""
    if rng.random() < 0.35:
        return "I"
    person = _person(rng)
    if rng.random() < 0.5:
        return f"{person}, {rng.choice(ROLES)} at {rng.choice(firm_names)},"
    return f"{rng.choice(firm_names)}'s {person}"


def _hedge(rng: random.Random, speaker: str, name: str) -> str:
    """The opening of a forecast sentence: who, how sure, and about what."""
    if speaker == "I":
        template = rng.choice(HEDGES)
        opening = template.format(s=name)
        return opening[0].upper() + opening[1:]
    verb = rng.choice(("expects", "thinks", "sees", "believes", "forecasts"))
    tail = rng.choice(("will", "could", "should", "is likely to"))
    if verb in ("expects", "forecasts"):
        return f"{speaker} {verb} {name} to"
    return f"{speaker} {verb} {name} {tail}"


def _horizon(rng: random.Random, day: date) -> str:
    return rng.choice(HORIZONS).format(
        year=day.year, next_year=day.year + 1, month=rng.choice(MONTHS[day.month - 1 :])
    )


def _title(rng: random.Random, focus: Instrument, day: date) -> str:
    name = focus.names[0]
    name = name[4:] if name.startswith("the ") else name
    return rng.choice(TITLES).format(
        name=name[0].upper() + name[1:], year=day.year, month=MONTHS[day.month - 1]
    )


def _pct(rng: random.Random) -> str:
    return f"{rng.uniform(0.1, 4.8):.1f}%"


def _context(rng: random.Random, day: date) -> str:
    return rng.choice(CONTEXT).format(
        pct=_pct(rng), month=MONTHS[day.month - 1], n=rng.randint(2, 9), year=day.year
    )


def _reason(rng: random.Random) -> str:
    return rng.choice(REASONS).format(pct=_pct(rng), n=rng.randint(2, 9))


def _filler(rng: random.Random, day: date) -> str:
    """A paragraph that reports and explains but forecasts nothing: three to six sentences,
    most built from parts (what moved, how far, when, why), some observations."""
    sentences = []
    for _ in range(rng.randint(3, 6)):
        if rng.random() < 0.7:
            sentences.append(_move_report(rng, day))
        else:
            sentences.append(_observation(rng, day))
    return " ".join(s[0].upper() + s[1:] for s in sentences)


def _move_report(rng: random.Random, day: date) -> str:
    what = rng.choice(MOVERS).format(sector=rng.choice(SECTOR_WORDS))
    up = rng.random() < 0.55
    verb = rng.choice(UP_PAST if up else DOWN_PAST)
    when = rng.choice(WHEN).format(
        month=MONTHS[day.month - 1], n=rng.randint(2, 12), day=rng.choice(WEEKDAYS)
    )
    why = rng.choice(WHY_UP if up else WHY_DOWN).format(sector=rng.choice(SECTOR_WORDS))
    return f"{what} {verb} {_pct(rng)} {when}{why}."


def _observation(rng: random.Random, day: date) -> str:
    return rng.choice(OBSERVATIONS).format(
        pct=_pct(rng),
        bp=rng.randint(3, 40),
        n=rng.randint(2, 14),
        month=MONTHS[day.month - 1],
        sector=rng.choice(SECTOR_WORDS),
        sector2=rng.choice(SECTOR_WORDS),
        year=day.year - rng.randint(1, 15),
        rate=f"{rng.uniform(0.6, 4.9):.2f}%",
        person=_person(rng),
        count=rng.randint(120, 480),
        day=rng.choice(WEEKDAYS),
    )


SECTOR_WORDS = (
    "energy",
    "utilities",
    "financials",
    "industrials",
    "health care",
    "consumer staples",
    "materials",
    "real estate",
    "semiconductors",
    "regional banks",
    "homebuilders",
    "software",
    "transports",
    "biotech",
    "retailers",
    "communication services",
)
SECTIONS = (
    "Where I stand",
    "The week in numbers",
    "What the tape is saying",
    "Positioning",
    "The bull case",
    "The bear case",
    "What would change my mind",
    "Rates and the Fed",
    "Earnings season",
    "Breadth",
    "Sector notes",
    "Single names",
    "The calendar ahead",
    "Reader questions",
    "Charts worth a look",
    "Risk check",
)
TITLES = (
    "{name} into the second half: room to run?",
    "Why {name} still looks cheap to me",
    "{month} notes: {name}, rates and a tired tape",
    "The case against chasing {name}",
    "{name} and the {year} playbook",
    "Three charts on {name} that matter this week",
    "What the strategists say about {name}",
    "{name}: a mid-{month} check-up",
    "Breadth, buybacks and {name}",
    "Is the {name} trade crowded?",
    "{year} outlook: where {name} goes from here",
    "The quiet rally in {name}",
)
CONTEXT = (
    "The setup into {month} looks different from a month ago.",
    "Positioning has turned cautious: cash levels in the latest fund manager survey rose to their highest in {n} months.",
    "Earnings revisions have turned up for the first time since the spring.",
    "Breadth improved last week, with {pct} more issues advancing than declining on the NYSE.",
    "The options market is pricing a move of about {pct} around the next Fed meeting.",
    "Valuations are stretched at the top of the market but not underneath it.",
    "Here is how I read the tape after {n} straight sessions of gains.",
    "Strategists have been busy updating their numbers.",
    "The macro backdrop is mixed, which is usually when stock picking pays.",
    "Margins held up better than feared in the {month} reporting season.",
)
REASONS = (
    "Buybacks alone should add about {pct} to earnings per share.",
    "The main risk is a Fed that keeps rates higher for longer.",
    "Inventories are lean, and pricing power is holding.",
    "Sentiment is washed out, which tends to be a good starting point.",
    "The chart shows a base that took {n} months to build.",
    "Insiders have been net buyers for {n} weeks running.",
    "A weaker dollar would help the multinationals most.",
    "Credit spreads are not confirming the gloom in equities.",
    "The catalyst is the next earnings report, not the macro data.",
    "Guidance for the second half was conservative, in my view.",
)
POSITION_HORIZONS = (
    "for the next 12 months",
    "into year-end",
    "for {next_year}",
    "for the next six months",
    "for the coming year",
)
POSITION_REASONS = (
    "because the earnings momentum is the best in the market",
    "given the balance sheet and the cash flow",
    "as the valuation already discounts a mild recession",
    "because the margin story is far from over",
    "since the relative strength line just broke out",
)
MOVERS = (
    "the S&P 500",
    "the Nasdaq",
    "the Dow",
    "the Russell 2000",
    "the equal-weight index",
    "{sector} stocks",
    "the {sector} group",
    "the average {sector} name",
    "mega-cap tech",
    "the ten-year note",
    "oil",
    "gold",
    "copper",
    "the dollar index",
    "the euro",
    "the yen",
    "bitcoin",
    "high-yield bonds",
    "European stocks",
    "Japan's Topix",
    "emerging markets",
    "the VIX",
    "value stocks",
    "growth stocks",
    "the transports",
    "dividend payers",
    "the most shorted stocks",
    "last year's winners",
    "last year's losers",
    "chip stocks",
    "the median stock",
    "cyclicals",
    "defensives",
    "China's internet names",
    "silver",
)
UP_PAST = (
    "rose",
    "gained",
    "added",
    "climbed",
    "advanced",
    "firmed",
    "jumped",
    "rallied",
    "picked up",
    "edged up",
    "bounced",
    "ground out",
)
DOWN_PAST = (
    "fell",
    "slipped",
    "lost",
    "gave back",
    "dropped",
    "declined",
    "eased",
    "shed",
    "sagged",
    "slid",
    "retreated",
    "edged down",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
WHEN = (
    "last week",
    "on {day}",
    "in {month}",
    "over the past {n} sessions",
    "since the {month} low",
    "on the week",
    "in the final hour on {day}",
    "over the month",
    "in the first half of {month}",
    "across {n} straight sessions",
    "after the open on {day}",
    "into the close",
    "in thin holiday trading",
    "over the past {n} weeks",
)
WHY_UP = (
    "",
    "",
    "",
    " as yields eased",
    " after a soft inflation print",
    " on heavy volume",
    " as short sellers covered",
    " after upbeat guidance from {sector} companies",
    " when the Fed minutes read less hawkish than feared",
    " on takeover chatter",
    " as the dollar weakened",
    " after a strong retail sales report",
    " while the rest of the market went sideways",
    " despite a firmer dollar",
    " on hopes of stimulus abroad",
    " after a round of estimate upgrades",
)
WHY_DOWN = (
    "",
    "",
    "",
    " as yields climbed",
    " after a hot jobs report",
    " on light volume",
    " as profit taking set in",
    " after cautious guidance from {sector} companies",
    " when the Fed minutes read more hawkish than hoped",
    " on supply worries",
    " as the dollar strengthened",
    " after a weak manufacturing survey",
    " while money rotated into {sector}",
    " despite a softer dollar",
    " on fresh tariff headlines",
    " after a string of estimate cuts",
)
OBSERVATIONS = (
    "Back in {year}, a similar setup was followed by a choppy summer.",
    "Headline inflation came in at {pct}, a touch below the consensus.",
    "Jobless claims were little changed, and payrolls rose by {count},000 last month.",
    "{person} pointed out on a call last week that {sector} has been the most crowded trade of the year.",
    "Nearly {n} of the 11 sectors ended {month} in the green.",
    "Credit spreads tightened by {bp} basis points.",
    "Retail investors bought a net ${n} billion of single stocks last week, by exchange data.",
    "Of the companies that have reported so far, about {count} beat on earnings.",
    "Mortgage rates edged down to {rate}, and housing starts were flat.",
    "The put-to-call ratio fell to its lowest level in {n} weeks.",
    "Fund flows into equity ETFs were positive for the {n}th week running.",
    "Consumer confidence dipped in {month}, mostly on gasoline prices.",
    "Margin debt rose {pct} from the month before.",
    "Only {count} stocks in the S&P 500 traded above their 200-day averages on {day}.",
    "The yield curve steepened by {bp} basis points on the week.",
    "Investment-grade issuance topped ${n}0 billion, a heavy week for the calendar.",
    "{person} noted that {sector} screens as the cheapest group on forward earnings.",
    "The advance-decline line made a new high in {month}.",
    "The ten-year yield ended the week at {rate}.",
    "{sector} and {sector2} have swapped leadership {n} times since {year}.",
    "Analysts trimmed their estimates for {sector} for the {n}th month in a row.",
    "A reader asked last week why I keep writing about {sector}; the short answer is valuation.",
    "The last time the VIX closed this low for {n} days straight was in {year}.",
    "The two-year yield sat at {rate} on {day}, well above the dividend yield of the index.",
    "Short interest in {sector} is near its highest since {year}.",
    "{person} reminded clients that {month} has been a weak month in {n} of the past 20 years.",
)
