"""Analyst calls into claims: whose call, on what, which way, until when.

Input: the `AnalystCall`s of one sentence (pipeline/extract/analyst.py) with the
sentence's mentions, the article and the attributor. Output: `Claim`s carrying the
rating, previous target, action and consensus flag. No side effects.

Rules (docs/forms.md, families "pt-*", "rating-*", "index-*"):
- The holder is the firm or analyst the sentence names as the actor ("Jefferies's Andy
  Barish lifted ...", "... trimmed by analysts at Oppenheimer", "Evercore ISI: Cut
  forecast to ..."), else the analyst the text was already reporting ("The firm ..."),
  never the reporter.
- A target's direction is the side of the price at publication its level lies on: an
  implied upside or downside the text states, a price the text states, a bearish rating,
  otherwise up (the tracker re-derives it from prices when it grades).
- Single-stock targets take the 12-month default (`horizon_assumed`); index targets take
  the year their noun names ("year-end", "2025 target") or a horizon phrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

from pipeline.extract.analyst import (
    RATING_GRADE_DIRECTION,
    AnalystCall,
    implied_side,
    load_analyst_cues,
    settle_action,
)
from pipeline.extract.attribution import NAME, SPEECH, Attributor, Speaker, load_firms
from pipeline.extract.horizons import Horizon, find_horizons, resolve_horizon
from pipeline.extract.instruments import Mention, canonical
from pipeline.extract.sides import side_of
from pipeline.extract.tables import TableRow, rating_grade
from pipeline.extract.triggers import SCENARIO, Trigger, is_past
from pipeline.models import Article, Claim, stable_id
from pipeline.settings import Settings

SPEECH_VERBS = rf"(?:{SPEECH}|sees|expects|forecasts|predicts|projects|targets)"
PASSIVE = re.compile(
    r"\b(?:had|has had|have had|saw|sees|received|receives|got|gets|was given|were given)\s+"
    r"(?:its|their|a|an|the)\b",
    re.IGNORECASE,
)
GENERIC_FIRM = (
    r"(?:[A-Z][A-Za-z&.'’-]*\s){1,3}(?:Securities|Capital Markets|Capital|Research|Partners|"
    r"Financial|Advisors|Advisory|Markets|Investments|Asset Management|Wealth Management|"
    r"& Co\.?|Bank|AG|Group)\b"
)
LABEL = re.compile(r"^\s*(?:[-•*]\s+)?(?P<org>[A-Z][\w&.'’ -]{1,40}?):\s")
INDEX_YEAR = re.compile(
    r"(?P<year>20\d\d)|year[- ]?end|end-(?:of-)?(?P<short>\d\d)\b|full-year", re.I
)
AGGREGATE = re.compile(
    r"\b\d+\s+(?:of\s+(?:the\s+)?\d+\s+)?(?:Wall Street\s+)?(?:analysts|brokers|firms)|consensus|"
    r"average|most analysts|majority of",
    re.IGNORECASE,
)
BACKGROUND = re.compile(
    r"\b(?:had (?:put|set|raised|lifted|cut|lowered|trimmed|had|given|kept)|before this|"
    r"prior to (?:this|the)|previously|earlier (?:this|that) (?:year|month)|clung|"
    r"over (?:the )?recent months|in recent months)\b",
    re.IGNORECASE,
)
SIDE_BELOW = re.compile(
    r"\b(?:below|under|beneath|short of)\s+(?:where\s+(?:it|the \w+|\w+)\s+(?:trades|stands|is|closed)|"
    r"(?:the|its|today's|the current|current|\w+['’]s)\s+(?:current\s+)?(?:close|closing|price|level|share price))",
    re.IGNORECASE,
)
SIDE_ABOVE = re.compile(
    r"\babove\s+(?:where\s+(?:it|the \w+|\w+)\s+(?:trades|stands|is|closed)|"
    r"(?:the|its|today's|the current|current|\w+['’]s)\s+(?:current\s+)?(?:close|closing|price|level|share price))",
    re.IGNORECASE,
)
#: A relative clause after the figures describes them (often the old target), not the call.
RELATIVE_ASIDE = re.compile(r",\s*(?:which|who|a level|a figure|the highest|the lowest)\b", re.I)
#: The path a sentence forecasts after stating a target: "... and forecasts a second-half pullback".
PATH_AFTER = re.compile(
    r"\b(?:forecast|expect|predict|see|call|warn)(?:s|ed|ing)?\s+(?:for\s+)?(?:an?\s+|further\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?P<dir>pullback|decline|correction|retreat|drop|sell-off|selloff|"
    r"slide|rally|rebound|advance|climb)s?\b",
    re.IGNORECASE,
)
#: A sentence that opens by referring back to the target just stated.
REFERS_BACK = re.compile(
    r"\s*(?:[^.,]{0,50},\s*)?(?:that|this|which|it|the (?:new |revised |lowered |raised )?"
    r"(?:target|forecast|call|level|figure|objective)|(?:[\w-]+['’]s|his|her|their|its) "
    r"(?:new |revised |lowered |raised )?(?:price )?(?:target|forecast|call|objective))\b",
    re.IGNORECASE,
)
#: Firms named as others, not as the holder: "even as rivals at Bank of America lifted theirs".
OTHERS_AT = re.compile(
    r"\b(?:rivals?|peers?|counterparts?|competitors?|colleagues?|others|those|even as|while|"
    r"unlike|like|than|versus|whereas)\b[^,;]{0,60}$",
    re.IGNORECASE,
)
TWELVE_MONTH = re.compile(r"12-month|twelve-month|one-year|1-year|next 12 months", re.I)
MID_YEAR = re.compile(r"mid-?(?:year|20\d\d)", re.I)
NEXT_YEAR = re.compile(r"next year", re.I)


@dataclass(frozen=True)
class _FirmPatterns:
    firm: re.Pattern[str]  # a firm by name (data/firms.txt) or by form ("... Securities")
    by_firm: re.Pattern[str]  # "... by analysts at Oppenheimer", "at Truist"
    firm_name: re.Pattern[str]  # a listed firm's name as written, with "AG"/"analysts"


@cache
def _firm_patterns() -> _FirmPatterns:
    """The firm patterns, compiled once: the firm list is a long alternation."""
    listed = load_firms().pattern
    return _FirmPatterns(
        firm=re.compile(rf"(?P<org>{listed}|{GENERIC_FIRM})"),
        by_firm=re.compile(
            r"\b(?:by|at|from)\s+(?:(?:the\s+)?(?:analysts?|strategists?|brokers?)\s+"
            rf"(?:at|with|from)\s+)?(?P<org>{listed}|{GENERIC_FIRM})"
        ),
        firm_name=re.compile(rf"(?:{listed})(?:\s+AG|\s+analysts?)?"),
    )


@dataclass(frozen=True)
class AnalystContext:
    """What a sentence's calls need from around them."""

    text: str
    start: int
    mentions: tuple[Mention, ...]
    recent: Sequence[Mention]
    main: Mention | None
    article: Article
    paragraph: str
    following: str = ""  # the next sentence, which may state the target's implied move


def holder_of(
    sentence: str,
    call: AnalystCall,
    attributor: Attributor,
    previous: Speaker | None,
    speaker: Speaker,
) -> Speaker:
    """Whose call this is: the actor the sentence names, else the one being reported."""
    patterns = _firm_patterns()
    firm_re = patterns.firm
    after = sentence[call.noun_start : call.noun_start + 140]
    for by in patterns.by_firm.finditer(after):
        if OTHERS_AT.search(after, 0, by.start()):
            break  # this firm and any listed after it are the others
        return _speaker(by.group("org"), None, attributor, sentence)
    verb_at = call.action_start if call.action_start is not None else call.start
    item = max(sentence.rfind(sep, 0, call.start) for sep in (":", ";", ","))
    if item > verb_at and (listed := firm_re.search(sentence, item + 1, call.start)):
        # "began covering Walmart: HSBC at buy with a $110 target, Redburn at neutral ...":
        # the firm that opens the call's own list item
        return _speaker(listed.group("org"), None, attributor, sentence)
    clause = sentence[: min(call.start, verb_at)]
    if PASSIVE.search(clause):
        clause = ""  # "Apple had its price target lifted ...": the subject is the stock
    if (m := LABEL.match(sentence)) and (
        firm_re.fullmatch(m.group("org").strip()) or call.action_start == m.end()
    ):
        return _speaker(m.group("org").strip(), None, attributor, sentence)
    orgs = list(firm_re.finditer(clause))
    person = _person(clause, attributor)
    if orgs:
        acting = [m for m in orgs if _acts(sentence, m.end())]
        chosen = (acting or orgs)[-1]  # "Piper Sandler cut Bank of America to Sell and ..."
        return _speaker(chosen.group("org"), person, attributor, sentence)
    if person is not None:
        known = attributor.people.get(person) or attributor.people.get(person.split()[-1])
        org = known.org if known else (previous.org if previous else None)
        return Speaker(known.name if known else person, org, "quoted")
    if speaker.role == "quoted":
        return speaker
    if previous is not None:
        return previous  # "The firm now rates ...", "the strategist lifted his target"
    return speaker


def _acts(sentence: str, end: int) -> bool:
    """Whether the firm ending at `end` is the subject of a verb: an action or speech verb
    within a few words ("Barclays cutting", "Jefferies's Andy Barish lifted")."""
    after = sentence[end : end + 60]
    m = re.match(
        r"(?:['’]s?)?(?:\s+[A-Z][\w.'’-]*|\s+(?:analysts?|strategists?|team|also|now|has|have|had|on \w+|too|,)){0,4}\s+(?P<verb>[a-z]+)",
        after,
    )
    if m is None:
        return False
    verb = m.group("verb")
    cues = load_analyst_cues()
    speech = re.fullmatch(SPEECH_VERBS, verb)
    return bool(speech) or any(p.fullmatch(verb) for a, p in cues.actions if a != "set")


def _speaker(org_text: str, person: str | None, attributor: Attributor, sentence: str) -> Speaker:
    org = attributor.firms.canonical.get(org_text.strip(), org_text.strip())
    org = re.sub(r"(?:’s|'s)$", "", org).strip()
    if person is None:
        m = re.search(
            rf"{re.escape(org_text)}(?:’s|'s)?\s+(?:(?:analyst|strategist|chief|equity|head)\s+)*(?P<name>{NAME})",
            sentence,
        )
        person = m.group("name") if m else None
    if person and person in (org, org_text):
        person = None
    return Speaker(person or org, org, "quoted")


def _person(clause: str, attributor: Attributor) -> str | None:
    if m := re.search(rf"\b(?:[Aa]nalyst|[Ss]trategist)s?\s+(?P<name>{NAME})", clause):
        return m.group("name")
    for name in sorted(attributor.people, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}\b", clause):
            return attributor.people[name].name
    return None


def analyst_claim(
    call: AnalystCall, ctx: AnalystContext, who: Speaker, settings: Settings
) -> Claim | None:
    """The claim a call states, or None when it has no subject or reports the past."""
    text = ctx.text
    probe = Trigger("target", "up", call.start, call.end)
    aside = RELATIVE_ASIDE.search(text, call.end)  # "from 4,900, which had been the highest"
    if is_past(text[: aside.start()] if aside else text, probe) or BACKGROUND.search(
        text[: call.start]
    ):
        return None
    subject = _subject(call, ctx)
    if subject is None:
        return None
    if call.has_target:
        kind, direction = "target", _direction(call, ctx)
    else:
        grade = call.rating or ""
        if grade not in RATING_GRADE_DIRECTION or AGGREGATE.search(text[: call.start]):
            return None  # "42 analysts rate it a buy" reports a tally, not a call
        kind, direction = "direction", RATING_GRADE_DIRECTION[grade]
    horizon = _horizon(call, text, subject.symbol, ctx.article, who)
    near = text[max(0, call.noun_start - 30) : call.end]
    scenario = bool(SCENARIO.search(near) or re.search(r"\bscenario", near, re.I))
    return Claim(
        claim_id=stable_id(
            ctx.article.article_id, ctx.start + call.start, kind, subject.symbol, direction
        ),
        **_shared_fields(ctx.article, subject, horizon),
        forecaster="consensus" if call.consensus else who.name,
        forecaster_org=None if call.consensus else who.org,
        forecaster_role="quoted" if call.consensus else who.role,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        direction=direction,  # type: ignore[arg-type]
        target_low=call.target_low,
        target_high=call.target_high,
        # A bare rating is graded TipRanks-style: its 12-month return, and against the market.
        benchmark=None if kind == "target" else settings.grading.default_benchmark,
        conditional=scenario,
        evidence=text,
        evidence_start=ctx.start,
        evidence_end=ctx.start + len(text),
        rating=call.rating,
        previous_rating=call.previous_rating,
        previous_target=call.previous_target,
        action=settle_action(call.action, call.target_low, call.previous_target),
        consensus=call.consensus,
    )


def _shared_fields(article: Article, subject: Mention, horizon: Horizon) -> dict[str, Any]:
    """The fields every analyst or table claim fills the same way."""
    return {
        "article_id": article.article_id,
        "url": article.url,
        "title": article.title,
        "published": article.published,
        "subject": subject.symbol,
        "subject_text": subject.text,
        "move_pct": None,
        "ratio": None,
        "horizon_start": horizon.start,
        "horizon_end": horizon.end,
        "horizon_text": horizon.text,
        "horizon_assumed": horizon.assumed,
        "hedge": "expect",  # a stated target or rating is the holder's expectation
        "negated": False,
    }


def _subject(call: AnalystCall, ctx: AnalystContext) -> Mention | None:
    """The instrument nearest the target noun, a named stock before a sector word ("the
    tech stock" is a stock), never a mention inside the holder's firm name ("RBC
    analysts", "Deutsche Bank AG")."""
    firms = [(m.start(), m.end()) for m in _firm_patterns().firm_name.finditer(ctx.text)]
    local = [
        m
        for m in (m.shifted(ctx.start) for m in ctx.mentions)
        if not any(s <= m.start < e for s, e in firms)
    ]
    if local:

        def rank(m: Mention) -> tuple[bool, int]:
            if m.end <= call.noun_start:
                distance = call.noun_start - m.end
            elif m.start >= call.noun_end:
                distance = m.start - call.noun_end
            else:
                distance = 0
            return (m.text[:1].islower(), distance)

        return min(local, key=rank)
    if ctx.recent:
        return ctx.recent[-1]
    return ctx.main


def _direction(call: AnalystCall, ctx: AnalystContext) -> str:
    text = ctx.text
    if call.implied_direction:
        return call.implied_direction
    if re.search(
        r"downside|bear(?:ish)?|lower|support", text[call.noun_start : call.noun_end], re.I
    ):
        return "down"  # "downside target = 133"
    after = text[call.end : call.end + 60]
    if SIDE_BELOW.search(after):
        return "down"  # "$228 sits about 4% below where Apple trades"
    if SIDE_ABOVE.search(after):
        return "up"
    if m := PATH_AFTER.search(text, call.end):
        return implied_side(m.group("dir"))  # "keeps his 4,000 target and forecasts a pullback"
    level = call.target_low or 0.0
    stated = side_of(level, stated_price(text)) or _follow_up_side(level, ctx.following)
    if stated is not None:
        return stated
    stated = side_of(level, stated_price(ctx.paragraph))
    if stated is not None:
        return stated
    if call.rating in ("sell", "strong_sell"):
        return "down"
    return "up"


def _follow_up_side(level: float, following: str) -> str | None:
    """The side a next sentence that refers back to the target puts it on: "That points to
    a possible 46% decline", "Wilson's target is about 12% under Monday's close of 5,118"."""
    if not REFERS_BACK.match(following):
        return None
    if m := load_analyst_cues().implied.search(following):
        return implied_side(m.group("dir") or m.group("dir2") or "")
    return side_of(level, stated_price(following))


def stated_price(text: str) -> float | None:
    """A price at publication the text states ("last changed hands at $229.63")."""
    cues = load_analyst_cues()
    for m in re.finditer(
        r"(?:US\$|USD\s?|\$)?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)", text
    ):
        if cues.price_now.search(text[max(0, m.start() - 50) : m.start()]):
            return float(m.group(1).replace(",", ""))
    return None


def _horizon(call: AnalystCall, text: str, symbol: str, article: Article, who: Speaker) -> Horizon:
    published = article.published
    if not _is_index(symbol):
        if who.role == "author":  # a writer's own target ("target = 133 by 1/26") has its date
            found = [h for h in find_horizons(text) if h.start >= call.start]
            if found:
                return resolve_horizon(found[0], published, "target")
        return resolve_horizon(None, published, "target")  # a broker's target: 12 months
    noun = text[max(0, call.noun_start - 25) : call.noun_end]
    if published is not None and (m := INDEX_YEAR.search(noun)):
        if m.group("year"):
            year = int(m.group("year"))
        elif m.group("short"):
            year = 2000 + int(m.group("short"))  # "end-24 target"
        else:
            year = _call_year(published, next_year=bool(NEXT_YEAR.search(noun)))
        if MID_YEAR.search(noun) and date(year, 6, 30) > published:
            return Horizon(published, date(year, 6, 30), noun, False)
        if year >= published.year:
            return Horizon(published, date(year, 12, 31), noun, False)
    if stated := TWELVE_MONTH.search(noun):  # "a 12-month S&P 500 target": stated, not a default
        twelve = resolve_horizon(None, published, "target")
        return replace(twelve, text=stated.group(0), assumed=False)
    found = [h for h in find_horizons(text) if call.start <= h.start <= call.end + 120]
    if found:
        nearest = min(found, key=lambda h: abs(h.start - call.end))
        return resolve_horizon(nearest, published, "target")
    if published is not None and not TWELVE_MONTH.search(noun):
        # A strategist's index target with no horizon is a year-end target.
        end = date(_call_year(published), 12, 31)
        return Horizon(published, end, "year-end (index target convention)", False)
    return resolve_horizon(None, published, "target")


def _is_index(symbol: str) -> bool:
    return symbol.startswith("^") or canonical(symbol) != symbol


def _call_year(published: date, *, next_year: bool = False) -> int:
    """The year an index call without a year is for: this year, but a call made in
    December (or one that says "next year") is for the next."""
    return published.year + 1 if next_year or published.month == 12 else published.year


def covered(
    trig: Trigger, calls: Sequence[AnalystCall], rating_spans: Sequence[tuple[int, int]]
) -> bool:
    """A rule trigger that a call already reads: inside its span, the implied move of a
    target, or a rating word read as a relative call or position ("Outperform")."""
    for call in calls:
        if call.start <= trig.start < call.end or trig.start <= call.start < trig.end:
            return True
        if call.has_target and trig.kind == "move":
            return True
        if call.has_target and trig.kind == "target" and trig.target_low == call.target_low:
            return True
    return trig.kind in ("relative", "direction") and any(
        s <= trig.start < e or trig.start <= s < trig.end for s, e in rating_spans
    )


def merge_ratings(claims: list[Claim]) -> list[Claim]:
    """A bare rating next to a target by the same holder on the same stock is that
    target's rating, not a second claim."""
    targets = {
        (c.forecaster_org or c.forecaster, canonical(c.subject)): i
        for i, c in enumerate(claims)
        if c.kind == "target" and c.forecaster_role == "quoted"
    }
    out = list(claims)
    drop: set[int] = set()
    for i, c in enumerate(claims):
        if c.kind != "direction" or c.rating is None:
            continue
        j = targets.get((c.forecaster_org or c.forecaster, canonical(c.subject)))
        if j is not None:
            if out[j].rating is None:
                out[j] = replace(out[j], rating=c.rating, previous_rating=c.previous_rating)
            drop.add(i)
    return [c for i, c in enumerate(out) if i not in drop]


def table_claim(row: TableRow, subject: Mention, who: Speaker, article: Article) -> Claim:
    """The claim one row of a forecast table states (its evidence is the row)."""
    grade = rating_grade(row.rating_text)
    direction = side_of(row.target_low, row.price) or (
        "down" if grade in ("sell", "strong_sell") else "up"
    )
    firm = None if row.firm is None else _canonical_firm(row.firm)
    return Claim(
        claim_id=stable_id(article.article_id, row.start, "target", subject.symbol, direction),
        **_shared_fields(article, subject, _table_horizon(row, subject.symbol, article)),
        forecaster="consensus" if row.average else (row.person or row.firm or who.name),
        forecaster_org=None if row.average else (firm or who.org),
        forecaster_role="quoted" if row.firm or row.average else who.role,  # type: ignore[arg-type]
        kind="target",
        direction=direction,
        target_low=row.target_low,
        target_high=row.target_high,
        benchmark=None,
        conditional=False,
        evidence=row.text,
        evidence_start=row.start,
        evidence_end=row.end,
        rating=grade,
        previous_target=row.previous_target,
        consensus=row.average,
    )


def _canonical_firm(name: str) -> str:
    return load_firms().canonical.get(name.strip(), name.strip())


def _table_horizon(row: TableRow, symbol: str, article: Article) -> Horizon:
    published = article.published
    if not _is_index(symbol) or published is None:
        return resolve_horizon(None, published, "target")
    m = re.search(r"20\d\d", row.header)
    year = int(m.group(0)) if m else _call_year(published)
    if TWELVE_MONTH.search(row.header) or year < published.year:
        return resolve_horizon(None, published, "target")
    return Horizon(published, date(year, 12, 31), row.header, False)
