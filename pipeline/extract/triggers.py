"""Triggers: the words in a sentence that state a forecast, before anyone asks whose or about what.

Input: one sentence. Output: `Trigger`s (kind, direction, values, where) and the
sentence's hedge, negation, conditional and past-tense cues. Patterns come from
data/cues.toml. Pure functions; `extract` turns triggers into claims.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pipeline.extract.analyst import NUMBER, coordinated_levels, looks_like_year
from pipeline.extract.analyst import alternation as _alt

NUM = NUMBER
PCT_NOT_MOVE = re.compile(
    r"\s*(?:percentage points|points|of (?:the|its|our) (?:fund|index|portfolio|assets))"
)
PAST_NOUN = re.compile(
    r"\b(?:its|their|the recent|last|posted|recorded|delivered|logged|saw|had|after an?|since)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
NOT_DIRECTION = re.compile(r"\s+short\b|\s+(?:in|into) (?:line|love)\b", re.IGNORECASE)
NOT_POSITION = re.compile(
    r"(?:\s+(?:interest|squeeze|sellers|covering|sale|term|version|story|answer|list|run|side)|"
    r"-term)\b",
    re.IGNORECASE,
)
#: A level named as a bull or bear case is a scenario, not the base call.
SCENARIO = re.compile(
    r"\b(?:bull|bear|upside|downside|worst|best|blue-sky|recession)[- ](?:case|scenario)\b", re.I
)
#: A sentence set inside a scenario other than the base case: "In a recession scenario, ...".
IN_SCENARIO = re.compile(
    r"\b(?:in|under)\s+(?:a|an|the|our|its|their|his|her)\s+(?!base\b)(?:[\w-]+\s+){0,2}"
    r"(?:scenario|case)\b",
    re.IGNORECASE,
)
#: A level reached in a narration of what prices did: the participle ("hitting", "reaching")
#: hangs on a past-tense market verb earlier in the sentence.
PARTICIPLE = re.compile(r"\b(?:hitting|reaching|tagging|testing|touching|topping|breaking)\b", re.I)
NARRATED = re.compile(
    r"\b(?:rose|climbed|rallied|jumped|surged|soared|gained|advanced|fell|dropped|slid|sank|"
    r"tumbled|plunged|declined|closed|ended|finished|traded|kept (?:climbing|rising|rallying|"
    r"falling|sliding|dropping|pushing)|extended (?:its|their) (?:gains|rally|losses))\b",
    re.IGNORECASE,
)
#: A stretch of time the relative word describes: "years of lagging", "a decade of outperforming".
SPELL_OF = re.compile(
    r"\b(?:years?|months?|decades?|weeks?|quarters?|period|stretch|streak|spell|run)\s+of\s+$",
    re.IGNORECASE,
)
RANGE_LOW = re.compile(rf"(?P<low>{NUM})\s?%?\s?(?:-|–|to)\s?$")
LEVEL_AFTER_MOVE = re.compile(
    rf",?\s+(?:to|at)\s+(?:around\s+|about\s+|roughly\s+|near\s+|approximately\s+)?\$?"
    rf"(?P<level>{NUM})(?![\d%]|\s?percent)"
)
DECADE = re.compile(
    r"\b(?:to|at|in|near|around|into|toward|towards)\s+(?:the\s+)?(?P<which>low|mid|high|upper)[- ]?"
    r"\$?(?P<base>\d{2,3}(?:,000)?|\d,\d00)s\b",
    re.IGNORECASE,
)
CLAUSE_BREAK = re.compile(
    r"[;:]|,\s+(?:while|but|whereas|although|though|and\s+(?:I|we|you))\b|\s[–—-]\s"
)


@dataclass(frozen=True)
class Trigger:
    """A forecast cue inside a sentence. Offsets are relative to the sentence."""

    kind: str
    direction: str
    start: int
    end: int
    target_low: float | None = None
    target_high: float | None = None
    move_pct: float | None = None
    ratio: float | None = None
    position: bool = False
    threshold: bool = False  # "a close above 200": a condition level, not the forecast


@dataclass(frozen=True)
class Cues:
    hedges: tuple[tuple[str, re.Pattern[str]], ...]
    move_verb: re.Pattern[str]
    move_noun: re.Pattern[str]
    noun_first: re.Pattern[str]
    target_range: re.Pattern[str]
    target_single: re.Pattern[str]
    down_target_words: re.Pattern[str]
    relative: re.Pattern[str]
    ratios: dict[str, float]
    benchmark_marker: re.Pattern[str]
    position: re.Pattern[str]
    direction_verb: re.Pattern[str]
    negation: re.Pattern[str]
    conditional: re.Pattern[str]
    not_conditional: re.Pattern[str]
    past: re.Pattern[str]
    balance: re.Pattern[str]
    prior_call: re.Pattern[str]
    skip: re.Pattern[str]
    anaphora: re.Pattern[str]
    up_words: frozenset[str]


@cache
def load_cues() -> Cues:
    raw: dict[str, Any] = tomllib.loads(
        resources.files("pipeline.extract").joinpath("data", "cues.toml").read_text("utf-8")
    )
    i = re.IGNORECASE
    moves, targets, rel, dirs, flags = (
        raw["moves"],
        raw["targets"],
        raw["relative"],
        raw["direction"],
        raw["flags"],
    )
    fillers = _alt([re.escape(f) for f in moves["fillers"]])
    pct = rf"(?P<pct>{NUM})\s?(?:%|percent\b|per cent\b)"
    verbs = _alt(moves["up_verbs"] + moves["down_verbs"])
    nouns = _alt(moves["up_nouns"] + moves["down_nouns"])
    levels = _alt(targets["level_nouns"])
    target_verbs = _alt(targets["up_verbs"] + targets["down_verbs"])
    return Cues(
        hedges=tuple(
            (level, re.compile(rf"(?<![\w'’])(?:{_alt(words)})(?![\w])", i))
            for level, words in raw["hedges"].items()
        ),
        move_verb=re.compile(
            rf"\b(?P<verb>{verbs})\b(?:\s+(?:{fillers}))*\s+(?:(?:{NUM})\s?%?\s?(?:-|–|to)\s?)?{pct}",
            i,
        ),
        move_noun=re.compile(
            rf"{pct}(?:-plus)?\s+(?:(?:price|stock|share|further|additional|total|annual|"
            rf"index|market)\s+)?(?P<noun>{nouns})\b",
            i,
        ),
        noun_first=re.compile(rf"\b(?P<noun>{nouns})\s+of\s+(?:(?:{fillers})\s+)*{pct}", i),
        target_range=re.compile(
            rf"(?P<low>{NUM})\s?(?:-|–|—|to)\s?(?P<high>{NUM})(?:[- ]points?)?\s+(?P<noun>{levels})\b",
            i,
        ),
        target_single=re.compile(
            rf"\b(?P<verb>{target_verbs})\s+(?:the\s+|a\s+|of\s+)?"
            rf"(?:(?:about|around|roughly|near|approximately|some)\s+)?\$?(?P<level>{NUM})"
            rf"(?:\s?(?:-|–)\s?\$?(?P<high>{NUM}))?(?![\d%]|[.,]\d|\s?percent)"
            # a count or a fundamental, not a price: "2 more weeks", "$2.10 in EPS"
            r"(?!\s+(?:more\s+|straight\s+)?(?:days?|weeks?|months?|years?|sessions?|quarters?|"
            r"times|x\b|billion|million|trillion|bn\b|mn\b|(?:a|per)\s+share\s+in|in\s+(?:EPS|"
            r"earnings|revenue|sales|profit)|EPS))"
            rf"(?:[- ]points?)?(?:\s+(?P<noun>{levels})\b)?",
            i,
        ),
        down_target_words=re.compile(_alt(targets["down_verbs"]), i),
        relative=re.compile(
            rf"(?<![\w-])(?P<rel>{_alt(rel['up'] + rel['down'])})(?![\w-])(?!\s+to\b)", i
        ),
        ratios={k.lower(): float(v) for k, v in rel["ratios"].items()},
        benchmark_marker=re.compile(rf"\b(?:{_alt(rel['benchmark_markers'])})\s*$", i),
        position=re.compile(
            rf"(?<![\w-])(?P<pos>{_alt(dirs['up_positions'] + dirs['down_positions'])})(?![\w-])", i
        ),
        direction_verb=re.compile(
            rf"\b(?P<dir>{_alt(dirs['up_verbs'] + dirs['down_verbs'])})\b", i
        ),
        negation=re.compile(rf"(?:(?<![\w])(?:{_alt(flags['negation'])})|n['’]t)(?![\w])", i),
        conditional=re.compile(rf"\b(?:{_alt(flags['conditional'])})\b", i),
        not_conditional=re.compile(rf"\b(?:{_alt(flags['not_conditional'])})\b", i),
        past=re.compile(rf"\b(?:{_alt(flags['past'])})\b", i),
        balance=re.compile(
            rf"\b(?:(?P<up>{_alt(dirs['up_balance'])})|(?P<down>{_alt(dirs['down_balance'])}))\b",
            i,
        ),
        prior_call=re.compile(rf"\b(?:{_alt(flags['prior_call'])})\b", i),
        skip=re.compile(rf"(?:{_alt(flags['skip_sentences'])})", i),
        anaphora=re.compile(rf"\b(?:{_alt(raw['anaphora']['main_subject'])})\b", i),
        up_words=frozenset(
            w.lower()
            for w in moves["up_verbs"]
            + moves["up_nouns"]
            + rel["up"]
            + dirs["up_positions"]
            + dirs["up_verbs"]
            + targets["up_verbs"]
        ),
    )


def find_triggers(sentence: str) -> list[Trigger]:
    """Every forecast cue in one sentence, left to right, without overlaps."""
    cues = load_cues()
    if cues.skip.search(sentence):
        return []
    from pipeline.kinds import KINDS  # the registry imports these finders

    found: list[Trigger] = []
    for spec in KINDS.values():
        found += spec.find_triggers(sentence, cues, found)
    if any(t.kind == "target" and not t.threshold for t in found):
        found = [t for t in found if not t.threshold]
    found.sort(key=lambda t: t.start)
    kept: list[Trigger] = []
    for trig in found:
        if kept and trig.start < kept[-1].end:
            continue
        kept.append(trig)
    return kept


#: A summary line that labels a forecast by its window: "May thru October 2023: +7.8%",
#: "Next 3 Months: Positive but weak." The label must read as a horizon (period_call).
PERIOD_LINE = re.compile(
    rf"^\s*(?:[-•*]\s*)?(?P<label>[A-Za-z][\w ,.'’/-]{{2,40}}?):\s*(?:(?P<sign>[+\-−])\s?(?P<pct>{NUM})\s?%"
    r"|(?P<word>positive|negative|bullish|bearish|higher|lower|up|down)\b)",
    re.IGNORECASE,
)
POSITIVE_WORDS = frozenset({"positive", "bullish", "higher", "up"})


def period_call(sentence: str) -> re.Match[str] | None:
    """The period-labelled forecast line `sentence` is, if it is one: its label is (mostly)
    a horizon phrase ("Next 3 Months", "Q3 2025", "May thru October 2023")."""
    m = PERIOD_LINE.match(sentence)
    if m is None:
        return None
    from pipeline.extract.horizons import find_horizons  # horizons needs no triggers

    label = m.group("label").strip()
    covered = sum(h.end - h.start for h in find_horizons(label))
    return m if covered >= 0.6 * len(label) else None


def _period_triggers(sentence: str, kind: str) -> list[Trigger]:
    m = period_call(sentence)
    if m is None:
        return []
    if kind == "move" and m.group("pct"):
        up = m.group("sign") == "+"
        pct = _num(m.group("pct"))
        return [Trigger("move", "up" if up else "down", m.start("label"), m.end(), move_pct=pct)]
    if kind == "direction" and m.group("word"):
        up = m.group("word").lower() in POSITIVE_WORDS
        return [Trigger("direction", "up" if up else "down", m.start("label"), m.end())]
    return []


def _direction_of(word: str, cues: Cues) -> str:
    return "up" if word.lower() in cues.up_words else "down"


def move_triggers(sentence: str, cues: Cues, taken: Sequence[Trigger] = ()) -> list[Trigger]:
    """The move cues in a sentence (`taken`: cues found by the kinds before it)."""
    out = _period_triggers(sentence, "move")
    for pattern, group in (
        (cues.move_verb, "verb"),
        (cues.move_noun, "noun"),
        (cues.noun_first, "noun"),
    ):
        for m in pattern.finditer(sentence):
            if PCT_NOT_MOVE.match(sentence, m.end()) or (
                group == "noun" and PAST_NOUN.search(sentence, 0, m.start())
            ):
                continue
            word = " ".join(m.group(group).lower().split())
            direction = _direction_of(word, cues)
            pct = _num(m.group("pct"))
            if low := RANGE_LOW.search(sentence, 0, m.start("pct")):
                pct = min(pct, _num(low.group("low")))  # "a 4-6% drop" reads as 4%
            if level := LEVEL_AFTER_MOVE.match(sentence, m.end()):
                value = _num(level.group("level"))
                if not looks_like_year(level.group("level")):
                    # "climb more than 10% to 5,200": the level is the forecast, the % its gap
                    out.append(Trigger("target", direction, m.start(), level.end(), value, value))
                    continue
            out.append(Trigger("move", direction, m.start(), m.end(), move_pct=pct))
    return out


def target_triggers(sentence: str, cues: Cues, taken: Sequence[Trigger] = ()) -> list[Trigger]:
    """The target cues in a sentence (`taken`: cues found by the kinds before it)."""
    out: list[Trigger] = []
    for m in cues.target_range.finditer(sentence):
        low, high = sorted((_num(m.group("low")), _num(m.group("high"))))
        if high <= 31 and m.group("noun").lower() not in (
            "level",
            "levels",
            "area",
            "mark",
            "handle",
        ):
            continue
        before = sentence[max(0, m.start() - 40) : m.start()]
        direction = "down" if cues.down_target_words.search(before) else "up"
        out.append(
            Trigger("target", direction, m.start(), m.end(), target_low=low, target_high=high)
        )
    ranges = list(out)
    for m in cues.target_single.finditer(sentence):
        if any(r.start < m.end() and m.start() < r.end for r in ranges):
            continue
        raw = m.group("level")
        level = _num(raw)
        year_like = looks_like_year(raw) and not m.group("noun")
        if year_like or level < 1:
            continue
        verb = m.group("verb").lower()
        direction = "down" if cues.down_target_words.fullmatch(verb) else "up"
        threshold = verb.split()[-1] in ("above", "below")
        high = _num(m.group("high")) if m.group("high") else level
        if not level <= high <= level * 1.5:
            high = level
        out.append(
            Trigger(
                "target",
                direction,
                m.start(),
                m.end(),
                target_low=level,
                target_high=high,
                threshold=threshold,
            )
        )
    out += [
        Trigger(t.kind, t.direction, start, end, level, level)
        for t in list(out)
        if not t.threshold and t.target_high
        for start, end, level in coordinated_levels(sentence, t.end, t.target_high)
    ]
    for m in DECADE.finditer(sentence):
        if any(t.start < m.end() and m.start() < t.end for t in out):
            continue
        low, high = decade_range(m.group("which").lower(), m.group("base"))
        before = sentence[max(0, m.start() - 40) : m.start()]
        direction = "down" if cues.down_target_words.search(before) else "up"
        out.append(Trigger("target", direction, m.start(), m.end(), low, high))
    return out


def decade_range(which: str, base: str) -> tuple[float, float]:
    """ "low 160s" -> 160, "mid-$140s" -> 144-146, "high 5,000s" -> 5,700-5,900: the
    devset convention for approximate levels."""
    value = _num(base)
    digits = base.replace(",", "")
    zeros = len(digits) - len(digits.rstrip("0"))
    unit = 10.0 ** max(zeros - 1, 0)
    if which == "low":
        return value, value
    if which == "mid":
        return value + 4 * unit, value + 6 * unit
    return value + 7 * unit, value + 9 * unit


def relative_triggers(sentence: str, cues: Cues, taken: Sequence[Trigger] = ()) -> list[Trigger]:
    """The relative cues in a sentence (`taken`: cues found by the kinds before it)."""
    out = []
    for m in cues.relative.finditer(sentence):
        if SPELL_OF.search(sentence, 0, m.start()):
            continue  # "after 8 long years of lagging": a record, not a call
        word = m.group("rel").lower()
        before = sentence[max(0, m.start() - 12) : m.start()].lower()
        ratio = next((v for k, v in cues.ratios.items() if k in word or k in before), None)
        out.append(Trigger("relative", _direction_of(word, cues), m.start(), m.end(), ratio=ratio))
    return out


def direction_triggers(sentence: str, cues: Cues, taken: Sequence[Trigger] = ()) -> list[Trigger]:
    """Position and bare direction cues not inside a cue already `taken`."""
    out = _period_triggers(sentence, "direction")
    for m in cues.position.finditer(sentence):
        if NOT_POSITION.match(sentence, m.end()):
            continue
        out.append(
            Trigger(
                "direction", _direction_of(m.group("pos"), cues), m.start(), m.end(), position=True
            )
        )
    for m in cues.balance.finditer(sentence):  # "way more downside potential than upside"
        out.append(Trigger("direction", "up" if m.group("up") else "down", m.start(), m.end()))
    for m in cues.direction_verb.finditer(sentence):
        if any(t.start <= m.start() < t.end for t in out):
            continue
        if m.group(0)[0].isupper() or any(t.start <= m.start() < t.end for t in taken):
            continue
        if NOT_DIRECTION.match(sentence, m.end()):
            continue  # "could fall short of what the Street expects"
        out.append(Trigger("direction", _direction_of(m.group("dir"), cues), m.start(), m.end()))
    return out


def clause_bounds(sentence: str, at: int) -> tuple[int, int]:
    """The clause of `sentence` that holds offset `at`."""
    start, end = 0, len(sentence)
    for m in CLAUSE_BREAK.finditer(sentence):
        if m.end() <= at:
            start = m.end()
        elif m.start() >= at:
            end = m.start()
            break
    return start, end


def hedge_before(sentence: str, trig: Trigger) -> str | None:
    """The hedge word nearest before the trigger in its clause, else the first after it."""
    cues = load_cues()
    start, end = clause_bounds(sentence, trig.start)
    before: tuple[int, str] | None = None
    after: tuple[int, str] | None = None
    for level, pattern in cues.hedges:
        for m in pattern.finditer(sentence, start, end):
            # inside the trigger counts as before: "while Evercore is looking for 7,250"
            if m.start() < trig.end and (before is None or m.start() > before[0]):
                before = (m.start(), level)
            elif m.start() >= trig.end and (after is None or m.start() < after[0]):
                after = (m.start(), level)
    best = before or after
    return best[1] if best else None


def is_negated(sentence: str, trig: Trigger) -> bool:
    start, _ = clause_bounds(sentence, trig.start)
    return bool(load_cues().negation.search(sentence[start : trig.start]))


def is_conditional(sentence: str, trig: Trigger) -> bool:
    cues = load_cues()
    text = cues.not_conditional.sub(" ", sentence)
    return bool(cues.conditional.search(text))


def is_past(sentence: str, trig: Trigger) -> bool:
    """Past-time cues before the trigger, or anywhere in its clause ("had been too low"),
    a given-up forecast the trigger belongs to ("his earlier call that it would fall"), or a
    level reached in a narration of the past ("rose 2%, hitting 5,000")."""
    _, end = clause_bounds(sentence, trig.start)
    cues = load_cues()
    if PARTICIPLE.search(sentence, max(0, trig.start - 20), trig.end) and NARRATED.search(
        sentence, 0, trig.start
    ):
        return True  # "kept climbing, hitting the 39910 target and briefly reaching 39999"
    return bool(cues.past.search(sentence[:end]) or cues.prior_call.search(sentence, 0, trig.start))


def _num(text: str) -> float:
    return float(text.replace(",", ""))
