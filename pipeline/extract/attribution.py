"""Attribution: who makes each claim — the author, or a person, firm or survey the piece quotes.

Input: an article's text and metadata, then sentences with their paragraph.
Output: `Speaker`s. Firm names live in data/firms.txt. Later short mentions
("Snider said") resolve to the full name found earlier in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from pipeline.models import Article

NAME = r"[A-Z][a-z]+(?:\s[A-Z]\.)?\s(?:(?:de|van|von|di|da|del)\s)?[A-Z][a-zA-Z'’-]*[a-z]"
ROLE_WORD = (
    r"chief|head|senior|global|U\.S\.|US|equity|equities|investment|investments|market|markets|"
    r"portfolio|research|strategy|strategist|strategists|analyst|analysts|economist|officer|CIO|CEO|"
    r"founder|co-founder|president|managing|director|partner|manager|of|the|and|technical|macro|"
    r"quantitative|quant|derivatives|head|lead|principal|wealth|asset|allocation|trading|desk|team|fund|"
    r"small-cap|large-cap|stock|stocks|sector|sectors|cross-asset|multi-asset|vice|chair|chairman"
)
#: "JPMorgan Chase & Co.'s Dubravko Lakos-Bujas": a suffix between the firm and the possessive.
CORPORATE_SUFFIX = r"(?:,?\s(?:&\s?Co\.?|Inc\.?|Corp\.?|Group(?:\sInc\.?)?|AG|plc|LLC|Ltd\.?))?"
ROLE_NOUN = r"strategist|analyst|economist|officer|CIO|CEO|founder|president|director|partner|manager|research|chair|chairman|head"
SPEECH = (
    r"said|says|say|told|tells|believes|believe|expects|expect|thinks|think|sees|see|wrote|writes|"
    r"noted|notes|predicts|forecasts|argues|argued|added|adds|warned|warns|reckons|estimates|projects|"
    r"explained|highlighted|cautioned|suggested|suggests|recommends|recommended|projecting|"
    r"predicted|forecast|projected|expected|estimated|wrote in|said in|"
    r"predicting|forecasting|expecting|issued|has issued|published|is calling for|calls for|"
    r"is looking for|are looking for|looks for|"
    r"anticipates|lifted|raised|lowered|trimmed|slashed|cut|kept|keeps|held|holds|stands by|"
    r"standing by|clung|sticks|reiterated|maintained|upgraded|downgraded"
)
#: Capitalised words that make a two-word "name" a firm suffix or a headline fragment.
#: A title-case verb after a surname in a headline ("Morgan Stanley's Wilson Lifts ..."),
#: which the name pattern would otherwise read as a surname.
HEADLINE_VERB = re.compile(
    r"(?:Lifts|Raises|Cuts|Lowers|Trims|Boosts|Hikes|Slashes|Ups|Turns|Sticks|Holds|Keeps|"
    r"Stays|Sees|Says|Warns|Expects|Predicts|Forecasts|Calls|Bets|Flips|Goes|Gets|Makes|Joins|"
    r"Upgrades|Downgrades|Reiterates|Maintains|Initiates|Starts|Sets|Wants|Likes|Thinks|Won't|"
    r"Doubles|Reverses|Abandons|Drops|Backs)"
)
NOT_NAME_WORDS = frozenset(
    [
        "Management",
        "Group",
        "Markets",
        "Capital",
        "Inc",
        "Corp",
        "Securities",
        "Research",
        "Partners",
        "Advisors",
        "Advisory",
        "Financial",
        "Investments",
        "Investment",
        "Bank",
        "Wealth",
        "Global",
        "Asset",
        "Fund",
        "Funds",
        "Trust",
        "Holdings",
        "LLC",
        "The",
        "No",
        "Sees",
        "See",
        "Says",
        "Said",
        "Will",
        "Is",
        "Are",
        "Street",
        "Wall",
        "Stocks",
        "Stock",
        "Index",
        "Market",
        "Sachs",
        "Stanley",
        "Chase",
        "Fargo",
        "America",
        "Securities",
        "Co",
        "Company",
        "Strategist",
        "Strategists",
        "Analyst",
        "Analysts",
        "Chief",
        "Equity",
        "Equities",
        "Senior",
        "Head",
        "Officer",
        "Investors",
        "Federal",
        "Reserve",
    ]
)
VOICE = re.compile(rf"\b(?:reckons|writes|argues|says|according to|by)\s+(?P<name>{NAME})\b")


@dataclass(frozen=True)
class Speaker:
    name: str
    org: str | None
    role: str  # "author" | "quoted"


@dataclass(frozen=True)
class Firms:
    canonical: dict[str, str]
    pattern: str


@cache
def load_firms() -> Firms:
    text = resources.files("pipeline.extract").joinpath("data", "firms.txt").read_text("utf-8")
    canonical: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        names = [n.strip() for n in line.split("|")]
        for name in names:
            canonical[name] = names[0]
    alternation = "|".join(re.escape(n) for n in sorted(canonical, key=len, reverse=True))
    return Firms(canonical, rf"(?:{alternation})")


class Attributor:
    """Knows the people an article quotes and answers "who said this sentence?"."""

    def __init__(self, article: Article) -> None:
        firms = load_firms()
        self.firms = firms
        self.author = author_of(article)
        self.people: dict[str, Speaker] = {}
        self._names: re.Pattern[str] | None = None
        self._with_org = re.compile(
            rf"(?P<org>{firms.pattern}){CORPORATE_SUFFIX}(?:’s|'s|’|')?\s+(?:(?:{ROLE_WORD})\s+){{0,7}}"
            rf"(?P<name>{NAME})"
        )
        self._org_after = re.compile(
            rf"(?P<name>{NAME}),\s+(?:an?\s+|the\s+)?(?:(?:{ROLE_WORD})\s+)*(?:at|of|with)\s+(?P<org>{firms.pattern})"
        )
        self._role_only = re.compile(
            rf"\b(?:{ROLE_NOUN})\s+(?P<name>{NAME})(?=,|\s+(?:{SPEECH})\b)"
        )
        self._survey = re.compile(
            rf"\b(?P<org>{firms.pattern})(?:’s|'s)?\s+(?:[\w-]+\s+){{0,3}}survey"
        )
        self._org_speaks = re.compile(
            rf"(?:(?:team|strategists|analysts|economists)\s+at\s+)?\b(?P<org>{firms.pattern})(?:’s|'s)?"
            rf"(?:\s+[\w-]+){{0,3}}?\s+(?:{SPEECH})\b"
        )
        # "according to strategists at Deutsche Bank", "according to Barclays"
        self._according = re.compile(
            rf"\baccording to (?:(?:the\s+)?(?:[\w-]+\s+){{0,3}}?(?:strategists?|analysts?|"
            rf"economists?|team|researchers?)\s+(?:at|with|from)\s+)?(?:the\s+)?(?P<org>{firms.pattern})\b"
        )
        # A firm's unnamed voice or view: "Goldman's chief US equity strategist", "the Citi
        # strategist", "Barclays' base case", "Wolfe's underperform rating"
        self._org_role = re.compile(
            rf"(?<![\w&])(?P<org>{firms.pattern}){CORPORATE_SUFFIX}(?:’s|'s|’|')?\s+"
            rf"(?:[\w&.-]+\s+){{0,4}}?(?:strategists?|analysts?|economists?|team|desk|"
            rf"(?:base|bull|bear)[- ]case|price target|target|forecast|outlook|rating|model)\b"
        )
        self._org_near = re.compile(
            rf"(?P<name>{NAME})\s+(?:of|at|from|with)\s+(?P<org>{firms.pattern})\b"
        )
        for pattern in (self._with_org, self._org_after, self._org_near):
            for m in pattern.finditer(article.text):
                self._register(m.group("name"), firms.canonical.get(m.group("org")))
        for m in self._role_only.finditer(article.text):
            self._register(m.group("name"), None)

    def _register(self, name: str, org: str | None) -> None:
        words = name.split()
        if (
            any(w in NOT_NAME_WORDS for w in words)
            or HEADLINE_VERB.fullmatch(words[-1])
            or any(name in alias for alias in self.firms.canonical)
        ):
            return  # "Asset Management", "Sachs Group", "Sees No": not people
        surname = words[-1]
        known = self.people.get(surname)
        if known is None or (org and not known.org):
            speaker = Speaker(name, org, "quoted")
            self.people[surname] = speaker
            self.people[name] = speaker

    def speaker_of(self, sentence: str, quoted_by: Speaker | None = None) -> Speaker:
        """Who makes the claims in `sentence`; `quoted_by` is the speaker of an open quotation."""
        if m := self._survey.search(sentence):
            org = self.firms.canonical[m.group("org")]
            return Speaker(f"{org} survey", org, "quoted")
        if person := self._person_speaking(sentence):
            return person
        for pattern in (self._org_speaks, self._according, self._org_role):
            if m := pattern.search(sentence):
                org = self.firms.canonical[m.group("org")]
                return Speaker(org, org, "quoted")
        return quoted_by or self.author

    def named_in(self, sentence: str) -> Speaker | None:
        """The last person the article has introduced ("Citi's Scott Chronert") that this
        sentence names, by full name or surname: who "he" and "the strategist" refer to next."""
        if not self.people:
            return None
        if self._names is None:
            names = "|".join(re.escape(n) for n in sorted(self.people, key=len, reverse=True))
            self._names = re.compile(rf"\b(?:{names})\b")
        found = list(self._names.finditer(sentence))
        return self.people[found[-1].group(0)] if found else None

    def _person_speaking(self, sentence: str) -> Speaker | None:
        verbs = [
            m.start() for m in re.finditer(rf"\b(?:{SPEECH})\b|\bper\b|according to", sentence)
        ]
        if not verbs or not self.people:
            return None
        names = "|".join(re.escape(n) for n in sorted(self.people, key=len, reverse=True))
        mentions = [
            (m.start(), self.people[m.group(0)]) for m in re.finditer(rf"\b(?:{names})\b", sentence)
        ]
        if not mentions:
            return None
        # The person nearest to a speech verb speaks.
        return min(mentions, key=lambda pm: min(abs(pm[0] - v) for v in verbs))[1]

    def quote_speakers(self, paragraphs: list[str]) -> list[Speaker | None]:
        """For each paragraph, the speaker of the quotation it holds (None when it quotes no one).

        A paragraph that opens a quote with no attribution continues the previous speaker.
        """
        out: list[Speaker | None] = []
        previous: Speaker | None = None
        for para in paragraphs:
            speaker = None
            if re.search(r"[“”\"]", para):
                tail = re.search(
                    r"[”\"],?\s+(?P<who>[^.“”\"]{0,120}?)\s+(?:said|says|told|added|wrote|noted)\b",
                    para,
                )
                if tail:
                    candidate = self.speaker_of(tail.group("who") + " said")
                    speaker = candidate if candidate.role == "quoted" else None
                elif para.lstrip().startswith(("“", '"')) and previous:
                    speaker = previous
            out.append(speaker)
            previous = speaker
        return out


def author_of(article: Article) -> Speaker:
    """The article's own voice: its author, a writer named in the opening, its source, or unknown."""
    if article.author:
        return Speaker(article.author.strip(), None, "author")
    if m := VOICE.search(article.text[:800]):
        return Speaker(m.group("name"), None, "author")
    return Speaker(f"Unknown ({outlet_of(article)})", None, "author")


def outlet_of(article: Article) -> str:
    """Where an unsigned piece appeared: its source, else its site's host, else "unknown
    outlet" — never a file path."""
    if article.source and article.source.strip():
        return article.source.strip()
    if article.url and (host := urlsplit(article.url).hostname):
        return host.removeprefix("www.")
    return "unknown outlet"
