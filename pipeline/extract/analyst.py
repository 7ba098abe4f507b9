"""Analyst calls: price targets, target actions and ratings in one sentence.

Input: one sentence. Output: `AnalystCall`s — a new target (level or range) with its
previous value, the action taken on it (raise, cut, initiate, reiterate, maintain, set),
the rating and previous rating when stated, the implied move the writer computed, and
whether the figure is a consensus. Also bare ratings ("upgraded to Overweight") with no
target. Pure functions over data/analyst.toml; `claims.py` turns calls into claims.

The forms read here are catalogued in docs/forms.md (families "pt-*", "rating-*",
"index-*"): "raised its price target on X to $Y from $Z", "X had its price target
trimmed from $Z to $Y", "set a $Y price objective", "with a $Y target", "PT 300",
"lowered target to 5,200 from 6,000", "held to his 4,500 forecast", "a $Y target implies
Z% upside" (one claim: the target).
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pipeline.extract.attribution import load_firms

MONEY = r"(?:US\$|USD\s?|\$)\s?"
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
LEVEL = re.compile(
    rf"(?P<money>{MONEY})?(?P<num>{NUMBER})(?P<suffix>\s?(?:%|percent\b|per cent\b|x\b|"
    rf"billion|bn\b|million|trillion|st\b|nd\b|rd\b|th\b|[kKmMbB]\b|-(?:day|week|month|year)))?"
)
MONTHS = r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
DATE_BEFORE = re.compile(rf"(?:\b(?:{MONTHS})[a-z]*\.?\s+|/|\bQ[1-4]\s?)$")
#: Numbers that belong to an index's name: "S&P 500", "Russell 2000", "Nasdaq-100".
INDEX_NAME = re.compile(
    r"(?:S\s?&\s?P|Russell|Nasdaq|NASDAQ|Stoxx|STOXX|FTSE|Nikkei|DAX|CAC|Euro Stoxx|ASX)[\s-]?$"
)
#: Numbers that measure a change or a spread, not a level: "raised it by $20", "targets
#: that span roughly 1,000 points".
DIFFERENCE_BEFORE = re.compile(
    r"\b(?:by|spans?|spanning|spread(?: of)?|gap of|difference of|apart by|range of|widened|"
    r"narrowed)\s+(?:(?:about|roughly|nearly|some|almost|around|just|only|over|more than)\s+)?$",
    re.IGNORECASE,
)
#: An implied move measured from something other than today's price: "4.8% below where
#: the index started the year", "a decline for 2025 measured from the 2024 close".
OTHER_BASE = re.compile(
    r"\s*(?:\w+\s+){0,2}?(?:where|its starting|the start|from the (?:20\d\d |year.s )?(?:close|end|start)|"
    r"for (?:the year|20\d\d)|measured from|year[- ]to[- ]date|on the year)",
    re.IGNORECASE,
)
EXTREME = re.compile(r"\b(?:lowest|highest|low|high|top|bottom)(?:est)?\s+(?:price\s+)?$", re.I)
ACROSS = re.compile(
    r"\s*(?:on|across|among|of)\s+(?:the\s+)?(?:Street|Wall Street|analysts|brokers)", re.I
)
#: A trade's stop or entry is not its target: "stop 58", "stop-loss at $41", "buy stop at 212".
STOP_BEFORE = re.compile(
    r"\b(?:stop(?:-loss| loss)?|SL|stopped|entry|entered|buy stop|sell stop)\s*(?:at|under|below|above|@|:)?\s*\$?$",
    re.IGNORECASE,
)
LABEL_LEVEL = re.compile(
    rf"^\s*(?:[-•*]\s+)?(?P<label>[A-Z][\w&.'’ -]{{1,40}}?):\s+(?:(?:target|PT|price target|"
    rf"now sees|sees|raised to|cut to|lowered to|to|at)\s+)?(?P<money>\$\s?)?(?P<num>{NUMBER})"
    r"(?![\d%]|\s?(?:percent|billion|million|bn|m)\b)"
)
FORMER = re.compile(
    r"\b(?:prior|previous|earlier|old|former|original)\s+(?:[\w&-]+\s+){0,2}$", re.I
)
#: A social post's bare level: "$QQQ 500 EOY", "TSLA 300 by March".
SOCIAL_LEVEL = re.compile(
    rf"(?:^|(?<=\s))(?P<sym>\$[A-Za-z]{{1,5}}|[A-Z]{{2,5}})\s+\$?(?P<num>{NUMBER})\s+"
    r"(?=(?i:by|before|into|in|this|next|eo[ywmq]|end of)\b)"
)
WINDOW_BEFORE = 70
WINDOW_AFTER = 80
#: Rating words that are also everyday words: ratings only when quoted, capitalised or
#: named as a rating ("a Buy rating", "to Positive from Neutral").
EVERYDAY_RATINGS = frozenset(
    {
        "buy",
        "sell",
        "add",
        "reduce",
        "hold",
        "positive",
        "negative",
        "mixed",
        "accumulate",
        "neutral",
    }
)
RATING_GRADE_DIRECTION = {"strong_buy": "up", "buy": "up", "sell": "down", "strong_sell": "down"}


@dataclass(frozen=True)
class AnalystCall:
    """A target or rating statement. Offsets are relative to the sentence."""

    start: int
    end: int
    target_low: float | None
    target_high: float | None
    previous_target: float | None
    action: str | None
    rating: str | None
    previous_rating: str | None
    implied_direction: str | None
    consensus: bool
    noun_start: int
    noun_end: int
    action_start: int | None = None

    @property
    def has_target(self) -> bool:
        return self.target_low is not None


@dataclass(frozen=True)
class RatingMention:
    start: int
    end: int
    grade: str
    previous: bool


@dataclass(frozen=True)
class AnalystCues:
    noun: re.Pattern[str]
    consensus: re.Pattern[str]
    not_price: re.Pattern[str]
    actions: tuple[tuple[str, re.Pattern[str]], ...]
    ratings: tuple[tuple[str, re.Pattern[str]], ...]
    rating_before: re.Pattern[str]
    rating_after: re.Pattern[str]
    implied: re.Pattern[str]
    down_words: frozenset[str]
    price_now: re.Pattern[str]


def looks_like_year(raw: str, *, money: bool = False) -> bool:
    """A bare "2025" names a year, not a level; "$2,025", "2,025" and "2025.5" do not."""
    if money or "," in raw or "." in raw:
        return False
    return 1990 <= float(raw) <= 2100


def alternation(words: list[str]) -> str:
    """Cue phrases as one regex alternation, longest first so the longest phrase wins."""
    return "|".join(sorted(words, key=len, reverse=True))


@cache
def load_analyst_cues() -> AnalystCues:
    raw: dict[str, Any] = tomllib.loads(
        resources.files("pipeline.extract").joinpath("data", "analyst.toml").read_text("utf-8")
    )
    i = re.IGNORECASE
    up, down = alternation(raw["upside"]["up"]), alternation(raw["upside"]["down"])
    pct = rf"(?P<pct>{NUMBER})\s?(?:%|percent\b)"
    return AnalystCues(
        noun=re.compile(rf"(?<![\w-])(?:{alternation(raw['nouns']['target'])})(?![\w-])", i),
        consensus=re.compile(rf"\b(?:{alternation(raw['nouns']['consensus'])})\b", i),
        not_price=re.compile(
            rf"(?<![\w-])(?:{alternation(raw['nouns']['not_price'])})(?![\w-])", i
        ),
        actions=tuple(
            (action, re.compile(rf"(?<![\w-])(?:{alternation(words)})(?![\w-])", i))
            for action, words in raw["actions"].items()
        ),
        ratings=tuple(
            (grade, re.compile(rf"(?<![\w-])[\"“'‘]?(?:{alternation(words)})[\"”'’]?(?![\w-])", i))
            for grade, words in raw["ratings"].items()
            if grade not in ("context_before", "context_after")
        ),
        rating_before=re.compile(
            rf"(?<![\w-])(?:{alternation(raw['ratings']['context_before'])})\s*$", i
        ),
        rating_after=re.compile(rf"^\s*(?:{alternation(raw['ratings']['context_after'])})\b", i),
        implied=re.compile(
            rf"(?:{alternation(raw['upside']['implied'])})\s+(?:\w+\s+){{0,4}}?{pct}\s*(?:\w+\s+){{0,2}}?"
            rf"(?P<dir>{up}|{down})\b"
            rf"|{pct.replace('pct', 'pct2')}\s+(?:\w+\s+){{0,2}}?(?P<dir2>{up}|{down})\b",
            i,
        ),
        down_words=frozenset(raw["upside"]["down"]),
        price_now=re.compile(rf"(?:{alternation(raw['price_now']['before'])})\s*$", i),
    )


def find_ratings(sentence: str) -> list[RatingMention]:
    """Rating words in rating context ("upgraded to Buy", "an Outperform rating")."""
    cues = load_analyst_cues()
    found: list[RatingMention] = []
    for grade, pattern in cues.ratings:
        for m in pattern.finditer(sentence):
            before = sentence[max(0, m.start() - 60) : m.start()]
            after = sentence[m.end() : m.end() + 30]
            abbreviated = m.group(0).startswith("(")  # "(OW)" is a rating wherever it stands
            if not (
                abbreviated or cues.rating_before.search(before) or cues.rating_after.search(after)
            ):
                continue
            word = m.group(0).strip("\"“”'‘’")
            bare_verb = word.lower() in EVERYDAY_RATINGS
            if bare_verb and not _quoted_or_capital(m.group(0), before, after, cues):
                continue
            previous = bool(re.search(r"\bfrom\s*$", before, re.I))
            found.append(RatingMention(m.start(), m.end(), grade, previous))
    found.sort(key=lambda r: (r.start, -(r.end - r.start)))
    kept: list[RatingMention] = []
    for r in found:
        if kept and r.start < kept[-1].end:
            continue
        kept.append(r)
    return kept


def _quoted_or_capital(word: str, before: str, after: str, cues: AnalystCues) -> bool:
    """ "buy"/"sell"/"hold" are everyday verbs: as ratings they are quoted, capitalised,
    followed by "rating", or follow "a"/"to"/"from"/"rates it"."""
    if word[0] in "\"“'‘" or cues.rating_after.search(after):
        return True
    if word[0].isupper() and not re.search(r"(?:^|[.!?]\s+)$", before):
        return True
    return bool(
        re.search(
            r"\b(?:(?:upgraded?|downgraded?|cut|raised|moved|lowered|lifted)(?: \S+){0,5} to|"
            r"rates?(?: \S+){0,3}|rated|rating(?: it)?|"
            r"(?:initiated|reiterated|maintained|kept)(?: \S+){0,4} (?:at|an?)|"
            r"(?:to|at) [\w-]+ from|"  # "lowered to hold from buy"
            r"(?:stay|stays|stayed|staying|remain|remains|remained|left|leaves)(?: at)?|"
            r"(?:kicked|kicks|kicking) off(?: \S+){0,4} (?:at|with an?)|"
            r"(?:began|begins|begin|started|starts|start|resumed|resumes|launched|launches)"
            r"(?: \S+){0,5} (?:at|with an?))"
            r"\s*(?:an?\s+)?$"
            r"|\b[A-Z][\w&.'’-]*(?: [A-Z][\w&.'’-]*){0,2} at\s*$"  # "HSBC at buy with a $110 target"
            r"|\bat [A-Z][\w&.'’ -]{1,30},\s*$",  # "PT to 150 at Bernstein, outperform"
            before,
            re.I,
        )
    )


def find_calls(sentence: str, ratings: list[RatingMention] | None = None) -> list[AnalystCall]:
    """Every target statement in a sentence, then bare ratings with no target.

    `ratings`: the sentence's `find_ratings`, when the caller has them already."""
    cues = load_analyst_cues()
    if ratings is None:
        ratings = find_ratings(sentence)
    calls: list[AnalystCall] = []
    used: list[tuple[int, int]] = []
    for noun in cues.noun.finditer(sentence):
        if any(s <= noun.start() < e for s, e in used):
            continue
        if FORMER.search(sentence, max(0, noun.start() - 30), noun.start()):
            continue  # "up from its prior forecast of 6,300": the old call, not a new one
        call = _target_call(sentence, noun, ratings, cues)
        if call is not None:
            calls.append(call)
            used.append((min(call.start, noun.start()), max(call.end, noun.end())))
    for call in [c for c in calls if c.has_target]:
        for joined in _coordinated(sentence, call, ratings):
            if not any(c.start < joined.end and joined.start < c.end for c in calls):
                calls.append(joined)
    if not calls:
        calls.extend(_label_levels(sentence))
    if not calls:
        calls.extend(_social_levels(sentence))
    if not calls:
        current = [r for r in ratings if not r.previous and r.grade in RATING_GRADE_DIRECTION]
        if current:
            r = current[0]
            previous = next((p.grade for p in ratings if p.previous), None)
            action, action_start = _action_near(sentence, r.start, r.end, cues)
            calls.append(
                AnalystCall(
                    r.start,
                    r.end,
                    None,
                    None,
                    None,
                    action,
                    r.grade,
                    previous,
                    None,
                    False,
                    r.start,
                    r.end,
                    action_start,
                )
            )
    return calls


COORDINATED = re.compile(
    rf"(?P<gap>[^.;:?!]{{0,50}}?)(?:,\s*|\s+)(?:and|then|while|with|but|or)\s+"
    rf"(?P<lead>(?:[\w'’&.-]+\s+){{0,7}}?)(?:about\s+|around\s+|roughly\s+)?"
    rf"(?P<money>(?:US\$|\$)\s?)?(?P<num>{NUMBER})(?![\d%]|\s?percent|\s?(?:billion|million))"
)
PAST_AFTER = re.compile(
    r"\s+(?:\w+\s+)?(?:had|projected|forecast|set|expected|predicted|was|were)\b(?:\s+(?:in|on|last|earlier))?",
    re.IGNORECASE,
)
COMPARED = re.compile(r"\b(?:compared|comparing|versus|vs\.?|against)\b|\b(?:up|down)\s*$", re.I)
NOT_A_LEVEL_LEAD = re.compile(
    r"\b(?:from|previous|prior|stop|stop-loss|entry|EPS|earnings|revenue|up|down|by|was|were|"
    r"shares|points)\s*$",
    re.IGNORECASE,
)


def coordinated_levels(sentence: str, end: int, value: float) -> list[tuple[int, int, float]]:
    """Levels joined to a stated one: "a bull case of 7,650 and a bear case of 5,700",
    "6,500 in three months and 6,900 a year from now", "T1 170, T2 178", "7,050, while
    Evercore is looking for 7,250". Each is (start, end, value) in the sentence."""
    out: list[tuple[int, int, float]] = []
    pos = end
    while (m := COORDINATED.match(sentence, pos)) is not None:
        level = float(m.group("num").replace(",", ""))
        lead = m.group("lead")
        if COMPARED.search(m.group("gap")):
            break  # "5,600, compared with the 5,200 ...": an old figure, not a second call
        yearish = looks_like_year(m.group("num"), money=bool(m.group("money")))
        if yearish or NOT_A_LEVEL_LEAD.search(lead) or not 0.5 <= level / value <= 2.0:
            break
        if PAST_AFTER.match(sentence, m.end("num")):
            break  # "the 5,200 they projected in February"
        out.append((m.start("lead"), m.end("num"), level))
        pos = m.end("num")
    return out


def _nearest_rating(ratings: list[RatingMention], start: int, end: int) -> str | None:
    """The grade of the current rating nearest a call's span ("HSBC at buy with a $110
    target, Redburn at neutral with a $98 target": each target its own)."""
    current = [r for r in ratings if not r.previous]
    if not current:
        return None
    return min(current, key=lambda r: max(start - r.end, r.start - end, 0)).grade


def _coordinated(
    sentence: str, call: AnalystCall, ratings: list[RatingMention]
) -> list[AnalystCall]:
    value = call.target_high or call.target_low or 0.0
    level_end = call.end
    found = []
    for start, end, level in coordinated_levels(sentence, level_end, value):
        own = [r for r in ratings if level_end <= r.start < end and not r.previous]
        rating = own[-1].grade if own else call.rating
        level_end = end
        found.append(
            AnalystCall(
                start,
                end,
                level,
                level,
                None,
                call.action,
                rating,
                None,
                None,
                call.consensus,
                start,
                end,
                call.action_start,
            )
        )
    return found


def _label_levels(sentence: str) -> list[AnalystCall]:
    """A list line that names a firm and its level: "- Truist: $240 (buy), raised from
    $225", "Evercore ISI: 7,000". Only known firms (data/firms.txt) label a level."""
    m = LABEL_LEVEL.match(sentence)
    if m is None or m.group("label").strip() not in load_firms().canonical:
        return []
    value = float(m.group("num").replace(",", ""))
    if value < 1 or looks_like_year(m.group("num"), money=bool(m.group("money"))):
        return []
    previous = re.search(rf"\bfrom\s+\$?(?P<prev>{NUMBER})", sentence[m.end() :])
    ratings = [r for r in find_ratings(sentence) if not r.previous]
    grade = ratings[0].grade if ratings else _bare_grade(sentence[m.end() :])
    return [
        AnalystCall(
            m.start("num"), m.end("num"), value, value,
            float(previous.group("prev").replace(",", "")) if previous else None,
            None, grade, None, None, False, m.start("label"), m.end("label"),
        )
    ]  # fmt: skip


def _bare_grade(text: str) -> str | None:
    """A rating in parentheses after a level: "$240 (buy)", "(outperform)"."""
    m = re.match(r"\s*\(([^)]{2,20})\)", text)
    if m is None:
        return None
    for grade, pattern in load_analyst_cues().ratings:
        if pattern.fullmatch(m.group(1).strip()):
            return grade
    return None


def _social_levels(sentence: str) -> list[AnalystCall]:
    out = []
    for m in SOCIAL_LEVEL.finditer(sentence):
        value = float(m.group("num").replace(",", ""))
        if value < 1 or looks_like_year(m.group("num")):
            continue
        out.append(
            AnalystCall(
                m.start(),
                m.end("num"),
                value,
                value,
                None,
                None,
                None,
                None,
                None,
                False,
                m.start("sym"),
                m.end("sym"),
            )
        )
    return out


def _target_call(
    sentence: str, noun: re.Match[str], ratings: list[RatingMention], cues: AnalystCues
) -> AnalystCall | None:
    levels = _levels(sentence, noun, cues)
    if not levels:
        return None
    pick = _pick(sentence, noun, levels)
    if pick is None:
        return None
    (low, high), previous, start, end = pick
    if re.fullmatch(r"(?i)targets?|objectives?|forecasts?", noun.group(0)) and not _named(
        sentence, noun, start
    ):
        return None
    rating = _nearest_rating(ratings, min(start, noun.start()), max(end, noun.end()))
    previous_rating = next((r.grade for r in ratings if r.previous), None)
    implied = cues.implied.search(sentence, end)
    implied_direction = None
    if implied and implied.start() - end < 60 and not OTHER_BASE.match(sentence, implied.end()):
        word = (implied.group("dir") or implied.group("dir2") or "").lower()
        implied_direction = implied_side(word)
    left = sentence[max(0, noun.start() - 30) : noun.start()]
    right = sentence[noun.end() : noun.end() + 40]
    if EXTREME.search(left) and ACROSS.match(right):
        return None  # "the lowest target on the Street is $360": a range of others' calls
    consensus = bool(cues.consensus.search(left + noun.group(0)) or ACROSS.match(right))
    action, action_start = _action_near(
        sentence, min(start, noun.start()), max(end, noun.end()), cues
    )
    if previous is None and action in ("raise", "cut") and low == high and low is not None:
        step = BY_STEP.search(sentence, max(0, start - 40), end)
        if step is not None:  # "slashed its target by $20 to $75": it was $95
            delta = float(step.group("step").replace(",", ""))
            previous = low - delta if action == "raise" else low + delta
    return AnalystCall(
        min(start, noun.start()),
        max(end, noun.end()),
        low,
        high,
        previous,
        action,
        rating,
        previous_rating,
        implied_direction,
        consensus,
        noun.start(),
        noun.end(),
        action_start,
    )


def _named(sentence: str, noun: re.Match[str], level_start: int) -> bool:
    """A bare "target"/"forecast" is a price target only when a level sits right by it
    ("target to 5,200", "his 4,500 forecast", "target of $61") — not "targets growth"."""
    if level_start < noun.start():
        return sentence[level_start : noun.start()].count(" ") <= 3
    between = sentence[noun.end() : level_start]
    return bool(
        re.fullmatch(
            r"\s*(?:(?:is|was|of|at|to|(?:for|on) \S+(?: \S+){0,2}? (?:is|of|at|to)|now|:|-|=|around|near|"
            r"about|from \S+ to|price|level|stands at|sits at|remains|stays|moves to|goes to|"
            r"up to|down to|\d+(?:\.\d+)?%,?|by \d+(?:\.\d+)?%,?|\(after [^)]*\))\s*)*",
            between,
            re.I,
        )
    )


def implied_side(word: str) -> str:
    """The side of the price a move word ("downside", "gain", "below") puts a target on."""
    return "down" if word.lower() in load_analyst_cues().down_words else "up"


@dataclass(frozen=True)
class _Level:
    value: float
    start: int
    end: int
    money: bool


def _levels(sentence: str, noun: re.Match[str], cues: AnalystCues) -> list[_Level]:
    lo = max(0, noun.start() - WINDOW_BEFORE)
    hi = min(len(sentence), noun.end() + WINDOW_AFTER)
    out: list[_Level] = []
    for m in LEVEL.finditer(sentence, lo, hi):
        if m.group("suffix"):
            continue
        glued = sentence[m.end() : m.end() + 1]
        joined_range = glued == "-" and re.match(r"-\$?\d", sentence[m.end() :])
        if glued and glued in "%/:-" and not m.group("money") and not joined_range:
            continue
        raw = m.group("num")
        value = float(raw.replace(",", ""))
        money = bool(m.group("money"))
        if value <= 0 or looks_like_year(raw, money=money):
            continue
        before = sentence[max(0, m.start() - 30) : m.start()]
        if (
            DATE_BEFORE.search(before)
            or cues.price_now.search(before)
            or INDEX_NAME.search(before)
            or DIFFERENCE_BEFORE.search(before)
            or STOP_BEFORE.search(before)
        ):
            continue
        if cues.not_price.search(sentence[max(0, m.start() - 25) : m.start()]):
            continue
        if cues.not_price.match(sentence, m.end() + 1) or re.match(
            r"\s?(?:shares|times|analysts|brokers|firms|days|weeks|months|years|basis points)\b",
            sentence[m.end() :],
            re.I,
        ):
            continue
        if not money and value < 10 and "," not in raw:
            continue
        out.append(_Level(value, m.start(), m.end(), money))
    return out


def _pick(
    sentence: str, noun: re.Match[str], levels: list[_Level]
) -> tuple[tuple[float, float], float | None, int, int] | None:
    """The new target among the levels near a target noun, and the previous one."""
    # "from $Z to $Y" / "to $Y from $Z" / "$Y from $Z"
    for a, b in itertools.pairwise(levels):
        gap = sentence[a.end : b.start]
        before_a = sentence[max(0, a.start - 12) : a.start]
        if re.fullmatch(
            r"\s*(?:a share|per share|apiece|each)?\s*,?\s*to\s*", gap, re.I
        ) and re.search(r"\bfrom\s*$", before_a, re.I):
            return (b.value, b.value), a.value, a.start, b.end
        if re.fullmatch(
            r"\s*(?:a share|per share|apiece|each)?\s*,?\s*(?:from|,? up from|,? down from|"
            r"\(?previously|\(?prior|\(?was|versus|vs\.?)\s*",
            gap,
            re.I,
        ):
            return (a.value, a.value), b.value, a.start, b.end
        ranged = re.fullmatch(r"\s?(?:-|–|—|to)\s?", gap) and not re.search(
            r"\bfrom\s*$", before_a, re.I
        )
        if ranged and a.value < b.value <= a.value * 1.5:
            return (a.value, b.value), None, a.start, b.end
    after = [lv for lv in levels if lv.start >= noun.end()]
    before = [lv for lv in levels if lv.end <= noun.start()]
    if after and re.fullmatch(
        r"\s*[:=]?\s*(?:of\s+|at\s+|is\s+)?", sentence[noun.end() : after[0].start]
    ):
        near = after[0]  # "target 124", "PT: 300", "T1 170"
        return (near.value, near.value), None, near.start, near.end
    if before and noun.start() - before[-1].end <= 12:
        near = before[-1]  # "a $255 price objective", "his 4,500 forecast"
        return (near.value, near.value), None, near.start, near.end
    if after:
        near = after[0]
        return (near.value, near.value), None, near.start, near.end
    if before:
        near = before[-1]
        return (near.value, near.value), None, near.start, near.end
    return None


#: A change in dollars just before the new level: "by $20 to $75", "by $5, to $140".
BY_STEP = re.compile(rf"\bby\s+(?:US)?\$\s?(?P<step>{NUMBER}),?\s+to\s+(?:US)?\$", re.IGNORECASE)
REFUSED = re.compile(
    r"\b(?:no reason to|no need to|refused to|refuses to|declined to|declines to|won['’]t|"
    r"will not|did not|didn['’]t|does not|doesn['’]t|not)\s+$",
    re.IGNORECASE,
)


def _action_near(
    sentence: str, start: int, end: int, cues: AnalystCues
) -> tuple[str | None, int | None]:
    """The action verb closest to a call: before it in its clause, or just after the noun
    ("had its price target trimmed")."""
    best: tuple[int, str, int] | None = None
    lo = max(0, start - 160)
    hi = min(len(sentence), end + 40)
    for action, pattern in cues.actions:
        for m in pattern.finditer(sentence, lo, hi):
            if action != "maintain" and REFUSED.search(sentence, max(0, m.start() - 30), m.start()):
                continue  # "sees no reason to lift its target": the target stays
            distance = start - m.end() if m.end() <= start else m.start() - end + 10
            if m.start() >= start and m.end() <= end:
                distance = 5
            weight = 1000 if action == "set" else 0  # "set" only when nothing says more
            if best is None or max(distance, 0) + weight < best[0]:
                best = (max(distance, 0) + weight, action, m.start())
    return (best[1], best[2]) if best else (None, None)


def settle_action(action: str | None, new: float | None, previous: float | None) -> str | None:
    """A target given with its previous value says itself whether it went up or down."""
    if new is None or previous is None or action in ("upgrade", "downgrade", "initiate"):
        return action
    if action in (None, "set", "maintain", "reiterate") and new != previous:
        return "raise" if new > previous else "cut"
    return action
