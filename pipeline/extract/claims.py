"""Extract: read claims out of articles.

Input: Articles. Output: Claims, each with its subject, values, horizon, hedge, flags,
forecaster and evidence sentence. spaCy (a blank English pipeline: rules, no
statistical model) splits sentences and writes instrument mentions to
`doc.spans["instruments"]`; `claims_from_doc` reads a tagged Doc into Claims.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import cast

import spacy
from sklearn.pipeline import Pipeline
from spacy.language import Language
from spacy.tokens import Doc, Span
from thinc.types import Ints2d

from pipeline.engine import WORKER_DIED
from pipeline.extract.analyst import find_calls, find_ratings
from pipeline.extract.attribution import Attributor, Speaker, load_firms
from pipeline.extract.calls import (
    REFERS_BACK,
    AnalystContext,
    analyst_claim,
    covered,
    holder_of,
    merge_ratings,
    table_claim,
)
from pipeline.extract.horizons import HorizonMatch, find_horizons, resolve_horizon
from pipeline.extract.instruments import Lexicon, Mention, canonical, find_mentions, load_lexicon
from pipeline.extract.ner import holders_by_model, load_model
from pipeline.extract.sides import book_from_folder, orient_targets
from pipeline.extract.tables import TableRow, read_tables
from pipeline.extract.tags import classifier_tags, is_headline, tags_from_paragraphs
from pipeline.extract.train import load_tagger
from pipeline.extract.triggers import (
    IN_SCENARIO,
    SCENARIO,
    Trigger,
    clause_bounds,
    find_triggers,
    hedge_before,
    is_conditional,
    is_negated,
    is_past,
    load_cues,
    period_call,
)
from pipeline.limits import BudgetError
from pipeline.models import Article, Claim, Failure, stable_id
from pipeline.prices.book import PriceBook
from pipeline.settings import Settings

#: Bump when rules change: stored articles extracted by an older version are re-extracted.
EXTRACTOR_VERSION = "rules-2"
BATCH_SIZE = 32
#: The longest text extraction reads (ingest refuses files over 20 MB).
MAX_TEXT_CHARS = 25_000_000
TAG_LIST = re.compile(r"(?:\$[^$\n]{1,60}\$|\$[A-Z]{1,5}|[\s,·|])+")
ARTICLES = frozenset({"a", "an", "the", "this", "that", "its", "their"})
LOOKBACK_SENTENCES = 2
POSITION_PREFIX = re.compile(
    r"(?:^|\b(?:simply|just|so|then|now|you should|investors should|should|is to|time to|"
    r"suggest(?: that)? you|recommend(?:ing)?|I(?:'m|’m| am)?|we(?:'re|’re| are)?|would|I'd|"
    r"continue to|remain|stay))\s*$",
    re.IGNORECASE,
)
SELF_ASSURED = re.compile(r"to the moon|moon(?:ing)?", re.IGNORECASE)
IMPLIED_MOVE = re.compile(
    r"\b(?:to get there|would (?:have|need) to|needs? to|would require|requires?|implies|"
    r"implying|implied|that would be|which would be|would mark|would represent|points? to|"
    r"pointing to)\b",
    re.IGNORECASE,
)
#: A sector word followed by a singular noun names one company: "the tech stock".
ONE_COMPANY_AFTER = re.compile(
    r"\s+(?:stock|company|giant|name|leader|darling|firm|titan|behemoth|major|heavyweight)\b"
)
#: A sentence whose speaker is a person or firm named earlier, not the writer.
THIRD_PERSON = re.compile(
    r"(?:^|[,;:]\s|\band\s)\W*(?:[Hh]e|[Ss]he|[Tt]hey|[Tt]he (?:strategists?|analysts?|firm|bank|"
    r"brokerage|team|economists?|investment bank|chief investment officer|CIO))\s+"
    r"(?:\w+\s+){0,2}?(?:sees?|expects?|thinks?|believes?|forecasts?|predicts?|projects?|said|says|"
    r"wrote|writes|argues?|argued|warned|warns|added|adds|noted|notes|estimates?|reckons?|"
    r"anticipates?|calls? for|is calling for|targets?|lifted|raised|cut|lowered|trimmed|held|kept|"
    r"maintained|reiterated|now|also|keeping|keeps|standing by|stands by|sticking|sticks|holding|"
    r"holds|forecasting|projecting|expecting|calling for|predicting|sees)\b"
    r"|(?:^|[,;:]\s)\W*(?:His|Her|Their|[Tt]he (?:firm|bank|strategist|team)['’]s) (?:call|forecast|"
    r"target|view|base case|outlook|projection|prediction|model)\b"
)
SAME_WINDOW_DAYS = 31
#: Where a sentence turns to another holder's view: ", while Fundstrat's Tom Lee forecasts".
CONTRAST = re.compile(r",?\s+(?:even as|while|whereas|unlike|but)\s+", re.IGNORECASE)
BENCHMARK_BEFORE = re.compile(
    r"\b(?:than|against|versus|vs\.?|relative to|compared (?:with|to))\s+(?:the\s+)?$", re.I
)


@Language.component("thesis_paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """A line break always starts a new sentence: headings and bullets have no full stop.

    The flags are written as one array: each `token.is_sent_start = ...` rescans the Doc.
    """
    starts = doc.to_array(["SENT_START"]).astype("int64")
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if token.is_space and "\n" in token.text:
            starts[token.i] = -1
        elif "\n" in previous.text or "\n" in previous.whitespace_:
            starts[token.i] = 1
    doc.from_array(["SENT_START"], cast(Ints2d, starts.astype("uint64")))  # -1 stored wrapped
    return doc


class InstrumentTagger:
    """Writes every instrument mention to doc.spans["instruments"], labelled with its symbol.

    Lines made only of tags ("$IWM $AOSL" under a forum post) are tag lists, not mentions.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        text = doc.text  # Doc.text joins every token on each access: read it once
        for mention in find_mentions(text, self.lexicon):
            if _in_tag_list(text, mention):
                continue
            span = doc.char_span(
                mention.start, mention.end, label=mention.symbol, alignment_mode="expand"
            )
            if span is not None:
                spans.append(span)
        doc.spans["instruments"] = spans
        return doc


@Language.factory("thesis_instruments", default_config={"lexicon_paths": []}, assigns=["doc.spans"])
def make_instrument_tagger(nlp: Language, name: str, lexicon_paths: list[str]) -> InstrumentTagger:
    return InstrumentTagger(load_lexicon(tuple(Path(p) for p in lexicon_paths)))


def _in_tag_list(text: str, mention: Mention) -> bool:
    start = text.rfind("\n", 0, mention.start) + 1
    end = text.find("\n", mention.end)
    line = text[start : end if end != -1 else len(text)]
    return bool(TAG_LIST.fullmatch(line.strip()))


@cache
def cached_tagger(model_dir: Path) -> Pipeline | None:
    """The trained catalyst/risk classifier, loaded once per process."""
    return load_tagger(model_dir)


def make_nlp(settings: Settings | None = None) -> Language:
    """The extraction pipeline: blank English, sentence rules, instrument tagger
    (with the user's lexicon CSVs from `settings.extract.lexicon`)."""
    paths = [str(p) for p in settings.extract.lexicon] if settings else []
    nlp = spacy.blank("en")
    # Rules only (no parser or NER, whose memory grows with length): any text ingest can
    # store is read whole; spaCy's default refuses texts over 1,000,000 characters.
    nlp.max_length = MAX_TEXT_CHARS
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("thesis_paragraph_breaks")
    nlp.add_pipe("thesis_instruments", config={"lexicon_paths": paths})
    return nlp


def extract_claims(
    articles: Iterable[Article], settings: Settings, nlp: Language | None = None
) -> Iterator[tuple[Article, list[Claim]]]:
    """Claims for each article, processed in batches with `nlp.pipe`."""
    pipeline = nlp or make_nlp(settings)
    pairs = ((article.text, article) for article in articles)
    folder = settings.prices.dir
    book = book_from_folder(folder.resolve()) if folder is not None and folder.is_dir() else None
    for doc, article in pipeline.pipe(pairs, as_tuples=True, batch_size=BATCH_SIZE):
        claims = claims_from_doc(doc, article, settings)
        yield article, claims if book is None else orient_targets(claims, book)


def extract_each(
    articles: Iterable[Article], settings: Settings, nlp: Language | None = None
) -> Iterator[tuple[Article, list[Claim] | Failure]]:
    """Claims for each article, or a Failure for an article that could not be read.

    Like `extract_claims`, but one article's error (or its running past
    `settings.extract.time_budget` or growing the process past `settings.memory_cap_mib`)
    becomes that article's Failure and the rest go on."""
    pipeline = nlp or make_nlp(settings)
    load_models(settings)
    for article in articles:
        yield article, _extract_one(article, pipeline, _price_book(settings), settings)


def extract_article(article: Article, settings: Settings) -> list[Claim] | Failure:
    """One article's claims, or its Failure, as `extract_each` makes them: the unit of work
    `pipeline.run.extract` hands the engine (pipeline/engine.py), in this process or a
    worker. The spaCy pipeline, the models and the price book load once per process,
    outside any article's budget."""
    nlp = process_nlp(settings.extract.lexicon)
    load_models(settings)
    return _extract_one(article, nlp, _price_book(settings), settings)


def warm_up(settings: Settings) -> None:
    """Load everything extraction with `settings` needs in this process, by reading one
    short article: the pipeline, the models, the rules' data."""
    text = "Goldman Sachs expects the S&P 500 to rise 10% by the end of next year."
    extract_article(
        Article.build(location="warm-up", text=text, raw=text, raw_format="text"), settings
    )


def load_models(settings: Settings) -> None:
    """Load the models extraction uses (the classifier; en_core_web_sm with `use_ner`) once
    per process, before an article's budget starts: no first article pays for them. A
    model that cannot load fails each article that needs it, with its error, as before."""
    with suppress(Exception):
        cached_tagger(settings.extract.model_dir)
    if settings.extract.use_ner:
        with suppress(Exception):
            load_model()


def extraction_lost(article: Article) -> Failure:
    """The Failure of an article whose worker process died on it twice."""
    what = f"extraction ({len(article.text):,} characters)"
    return Failure(item=article.location, stage="extract", reason=f"{what}: {WORKER_DIED}")


@lru_cache(maxsize=4)
def process_nlp(lexicon: tuple[Path, ...]) -> Language:
    """`make_nlp` for settings with this `lexicon`, built once per process."""
    return make_nlp(Settings().with_overrides(extract={"lexicon": lexicon}))


def _price_book(settings: Settings) -> PriceBook | None:
    """The closes at publication that orient level targets (`--prices DIR`), if given."""
    folder = settings.prices.dir
    return book_from_folder(folder.resolve()) if folder is not None and folder.is_dir() else None


def _extract_one(
    article: Article, nlp: Language, book: PriceBook | None, settings: Settings
) -> list[Claim] | Failure:
    """Claims of one article within its budget; any error of its own is its Failure."""
    budget = settings.budget("extract")
    try:
        with budget.bounded():
            claims = claims_from_doc(nlp(article.text), article, settings)
            return claims if book is None else orient_targets(claims, book)
    except BudgetError as exc:
        reason = budget.reason(exc, f"extraction ({len(article.text):,} characters)")
        return Failure(item=article.location, stage="extract", reason=reason)
    except Exception as exc:
        return Failure.unexpected(article.location, "extract", exc)


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: int
    paragraph: int
    mentions: tuple[Mention, ...]
    bullet: bool
    quoted: bool


@dataclass(frozen=True)
class _Candidate:
    claim: Claim
    bullet: bool
    position: bool


def claims_from_doc(doc: Doc, article: Article, settings: Settings) -> list[Claim]:
    """Read a tagged Doc into Claims (deduplicated, in text order)."""
    text = doc.text  # spaCy rebuilds Doc.text on every read: read it once
    paragraphs = text.split("\n")
    mentions = [
        m for m in (_mention(span) for span in doc.spans["instruments"]) if _is_subject(m, text)
    ]
    main = _main_subject(mentions, article)
    attributor = Attributor(article)
    quote_speakers = attributor.quote_speakers(paragraphs)
    sentences = list(_sentences(doc, mentions))
    catalysts, risks = tags_from_paragraphs(paragraphs)
    if (classifier := cached_tagger(settings.extract.model_dir)) is not None:
        catalysts, risks = classifier_tags(
            [s.text for s in sentences], classifier, (catalysts, risks)
        )
    tables = read_tables(text)
    candidates = _table_candidates(text, tables.rows, mentions, main.mention, article, attributor)
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    in_tables = {_bisect(line_starts, s) for s in tables.line_starts}
    holder: Speaker | None = None  # the analyst or firm whose calls the text is reporting
    levels: set[str] = set()  # subjects the previous sentence gave a target for
    for index, sent in enumerate(sentences):
        if sent.text.endswith("?") or (is_headline(sent.text) and not sent.bullet):
            continue
        if sent.paragraph in in_tables:
            continue
        window = sentences[max(0, index - LOOKBACK_SENTENCES) : index]
        recent = [m for s in window if s.paragraph == sent.paragraph for m in s.mentions]
        quoted_by = quote_speakers[sent.paragraph] if sent.quoted else None
        # "X sees 6,650, while Y forecasts 6,600": each contrasted clause has its own holder
        cuts = [m.start() for m in CONTRAST.finditer(sent.text)]
        lead = sent.text[: cuts[0]] if cuts else sent.text
        speaker = attributor.speaker_of(lead, quoted_by)
        if speaker.role == "quoted":
            holder = speaker
        elif (named := attributor.named_in(lead)) is not None:
            holder = named
        elif holder is not None and THIRD_PERSON.search(lead):
            speaker = holder  # "He sees the index at 6,500": the person last quoted
        contrasted = [(cut, attributor.speaker_of(sent.text[cut:])) for cut in reversed(cuts)]

        found = []
        rating_mentions = find_ratings(sent.text)
        skip = load_cues().skip.search(sent.text)
        calls = [] if skip else find_calls(sent.text, rating_mentions)
        context = AnalystContext(
            sent.text,
            sent.start,
            sent.mentions,
            recent,
            main.mention,
            article,
            paragraphs[sent.paragraph],
            sentences[index + 1].text if index + 1 < len(sentences) else "",
        )
        for call in calls:
            who = holder_of(
                sent.text, call, attributor, holder, _speaker_at(call.start, speaker, contrasted)
            )
            if who.role == "quoted":
                holder = who
            claim = analyst_claim(call, context, who, settings)
            if claim is not None:
                found.append(_Candidate(claim, sent.bullet, False))
        ratings = [(r.start, r.end) for r in rating_mentions]
        for trig in find_triggers(sent.text):
            if covered(trig, calls, ratings):
                continue
            who = _speaker_at(trig.start, speaker, contrasted)
            claim = _claim(trig, sent, recent, main, who, article, settings)
            if claim is not None:
                found.append(_Candidate(claim, sent.bullet, trig.position))
                found += [
                    _Candidate(c, sent.bullet, trig.position) for c in _coordinated(claim, sent)
                ]
        if settings.extract.use_ner and found:  # statistical fallback, candidate sentences only
            claims, holder = holders_by_model(
                [c.claim for c in found], sent.text, attributor, article.text, holder
            )
            found = [replace(c, claim=k) for c, k in zip(found, claims, strict=True)]
        if levels and REFERS_BACK.match(sent.text):
            # "That points to a 46% decline": the target just stated, measured, not a new call
            found = [
                c
                for c in found
                if not (c.claim.kind == "move" and canonical(c.claim.subject) in levels)
            ]
        levels = {canonical(c.claim.subject) for c in found if c.claim.kind == "target"}
        candidates.extend(_prune_sentence(found))
    claims = merge_ratings(_deduplicate(candidates))
    return [replace(c, catalysts=catalysts, risks=risks) for c in claims]


def _speaker_at(offset: int, speaker: Speaker, contrasted: list[tuple[int, Speaker]]) -> Speaker:
    """The holder of a call at `offset`: the one its contrasted clause names, if any
    (`contrasted`: clause starts, last first), else the sentence's."""
    for cut, other in contrasted:
        if offset >= cut:
            return other if other.role == "quoted" else speaker
    return speaker


def _table_candidates(
    text: str,
    rows: Sequence[TableRow],
    mentions: Sequence[Mention],
    main: Mention | None,
    article: Article,
    attributor: Attributor,
) -> list[_Candidate]:
    """Claims from forecast tables: the row's subject cell, else the instrument named
    last before the table, else the article's main instrument."""
    out: list[_Candidate] = []
    for row in rows:
        named = find_mentions(row.subject_text) if row.subject_text else []
        before = [m for m in mentions if m.end <= row.start and row.start - m.end < 600]
        subject = named[0] if named else (before[-1] if before else main)
        if subject is None:
            continue
        who = attributor.speaker_of(text[max(0, row.start - 300) : row.start])
        out.append(_Candidate(table_claim(row, subject, who, article), False, False))
    return out


def _coordinated(claim: Claim, sent: _Sentence) -> list[Claim]:
    """The same call on instruments joined to its subject: "health care and utilities to
    lead the market", "XLE, XLF and XLV should rally". Levels belong to one instrument, so
    only moves, relative and direction calls are shared."""
    if claim.kind == "target":
        return []
    text = sent.text
    local = [m.shifted(sent.start) for m in sent.mentions]
    subject = next(
        (m for m in local if m.symbol == claim.subject and m.text == claim.subject_text), None
    )
    if subject is None:
        return []
    out: list[Claim] = []
    chain = [subject]
    for step in (-1, 1):
        current = subject
        while True:
            nxt = _joined(local, current, step, text)
            if nxt is None or nxt.symbol in {claim.subject, claim.benchmark}:
                break
            chain.append(nxt)
            current = nxt
    for m in chain[1:]:
        out.append(
            replace(
                claim,
                claim_id=stable_id(claim.claim_id, "and", m.symbol),
                subject=m.symbol,
                subject_text=m.text,
            )
        )
    return out


def _joined(local: list[Mention], m: Mention, step: int, text: str) -> Mention | None:
    """The mention joined to `m` by "and", "&", "or" or a comma, before (-1) or after (+1)."""
    for other in local:
        gap = text[other.end : m.start] if step < 0 else text[m.end : other.start]
        placed = (step < 0 and other.end <= m.start) or (step > 0 and other.start >= m.end)
        if placed and re.fullmatch(r"\s*(?:,\s*(?:and\s+|or\s+)?|and|&|or)\s*", gap):
            return other
    return None


def _is_subject(m: Mention, text: str) -> bool:
    """Mentions that cannot be a claim's subject: a broker written like a ticker ("RBC
    analysts", "UBS lifted ...") and a sector word that names one company."""
    if m.text in load_firms().canonical and not m.text.startswith("$"):
        return False
    return not (m.text[:1].islower() and ONE_COMPANY_AFTER.match(text, m.end))


def _mention(span: Span) -> Mention:
    return Mention(span.start_char, span.end_char, span.label_, span.text)


def _sentences(doc: Doc, mentions: Sequence[Mention]) -> Iterator[_Sentence]:
    full = doc.text  # Doc.text joins every token on each access: read it once
    line_starts = [0] + [i + 1 for i, ch in enumerate(full) if ch == "\n"]
    for sent in doc.sents:
        raw = sent.text
        text = raw.strip()
        if not text:
            continue
        start = sent.start_char + (len(raw) - len(raw.lstrip()))
        paragraph = _bisect(line_starts, start)
        para_start = line_starts[paragraph]
        before = full[para_start:start]
        quoted = before.count("“") > before.count("”") or "“" in text or '"' in text
        bullet = bool(re.match(r"^(?:[-•*]|\d+\.)\s", full[para_start : para_start + 4]))
        inside = tuple(m for m in mentions if start <= m.start < start + len(text))
        yield _Sentence(text, start, paragraph, inside, bullet, quoted)


def _bisect(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class _Main:
    """The instrument an article is mostly about, and whether it is about nothing else."""

    mention: Mention | None
    only: bool


def _main_subject(mentions: Sequence[Mention], article: Article) -> _Main:
    """Title mentions count double; an instrument the title names but the body only calls
    "the index" is still the main one. `only`: at least 70% of all mentions."""
    counts: Counter[str] = Counter(canonical(m.symbol) for m in mentions)
    titled = find_mentions(article.title or "")
    for m in titled:
        counts[canonical(m.symbol)] += 2
    if not counts:
        return _Main(None, False)
    top, top_count = counts.most_common(1)[0]
    mention = next((m for m in mentions if canonical(m.symbol) == top), None)
    if mention is None:
        first = next(m for m in titled if canonical(m.symbol) == top)
        mention = Mention(0, 0, first.symbol, first.text)
    return _Main(mention, top_count >= 0.7 * sum(counts.values()))


def _claim(
    trig: Trigger,
    sent: _Sentence,
    recent: list[Mention],
    main: _Main,
    speaker: Speaker,
    article: Article,
    settings: Settings,
) -> Claim | None:
    text = sent.text
    if is_past(text, trig):
        return None
    if trig.kind == "move" and IMPLIED_MOVE.search(
        text, clause_bounds(text, trig.start)[0], trig.start
    ):
        return None  # "to get there, it would have to climb 24%": arithmetic, not a call
    hedge = hedge_before(text, trig)
    span = text[trig.start : trig.end]
    assured = bool(
        SELF_ASSURED.fullmatch(span)
        or load_cues().balance.fullmatch(span)
        or ((period := period_call(text)) is not None and trig.start == period.start("label"))
    )
    if hedge is None and assured:
        hedge = "will"  # "$PLTR to the moon", "more downside than upside" need no modal
    if hedge is None and trig.kind == "target" and "target" in text[trig.start : trig.end].lower():
        hedge = "expect"  # "my target for IWM is 220" states its own conviction
    if trig.position:
        if not POSITION_PREFIX.search(text[clause_bounds(text, trig.start)[0] : trig.start]):
            return None
    elif hedge is None or (
        trig.kind == "direction" and not assured and not _hedge_close_before(text, trig)
    ):
        return None
    local = [m.shifted(sent.start) for m in sent.mentions]
    benchmark = _benchmark(trig, text, local, settings) if trig.kind == "relative" else None
    subject = _subject(
        trig, text, [m for m in local if m is not benchmark], recent, main, carried=assured
    )
    if subject is None or (
        benchmark is not None and canonical(subject.symbol) == canonical(benchmark.symbol)
    ):
        return None
    horizon_match = _nearest_horizon(text, trig)
    horizon = resolve_horizon(horizon_match, article.published, trig.kind)
    bench_symbol = (
        (benchmark.symbol if benchmark else settings.grading.default_benchmark)
        if trig.kind == "relative"
        else None
    )
    return Claim(
        claim_id=stable_id(
            article.article_id, sent.start + trig.start, trig.kind, subject.symbol, trig.direction
        ),
        article_id=article.article_id,
        url=article.url,
        title=article.title,
        published=article.published,
        forecaster=speaker.name,
        forecaster_org=speaker.org,
        forecaster_role="quoted" if speaker.role == "quoted" else "author",
        subject=subject.symbol,
        subject_text=subject.text,
        kind=trig.kind,  # type: ignore[arg-type]
        direction=trig.direction,  # type: ignore[arg-type]
        target_low=trig.target_low,
        target_high=trig.target_high,
        move_pct=trig.move_pct,
        benchmark=bench_symbol,
        ratio=trig.ratio,
        horizon_start=horizon.start,
        horizon_end=horizon.end,
        horizon_text=horizon.text,
        horizon_assumed=horizon.assumed,
        hedge=None if trig.position and hedge in (None, "may", "expect") else hedge,
        conditional=is_conditional(text, trig)
        or bool(SCENARIO.search(text, max(0, trig.start - 30), trig.end))
        or bool(IN_SCENARIO.search(text, 0, trig.start)),
        negated=is_negated(text, trig),
        evidence=text,
        evidence_start=sent.start,
        evidence_end=sent.start + len(text),
    )


def _hedge_close_before(text: str, trig: Trigger) -> bool:
    """A bare direction verb counts only right after its modal: "will rally", "is likely to fall"."""
    window = text[max(0, trig.start - 30) : trig.start]
    for _, pattern in load_cues().hedges:
        for m in pattern.finditer(window):
            between = window[m.end() :].split()
            if len(between) <= 2 and not ARTICLES.intersection(w.lower() for w in between):
                return True
    return False


def _benchmark(
    trig: Trigger, text: str, local: list[Mention], settings: Settings
) -> Mention | None:
    for m in local:
        if BENCHMARK_BEFORE.search(text[max(0, m.start - 30) : m.start]):
            return m
    after = [m for m in local if m.start >= trig.end and m.start - trig.end <= 40]
    if after and re.fullmatch(
        r"\s*(?:the\s+)?(?:performance of\s+(?:the\s+)?)?", text[trig.end : after[0].start]
    ):
        return after[0]
    return None


def _subject(
    trig: Trigger,
    text: str,
    local: list[Mention],
    recent: list[Mention],
    main: _Main,
    *,
    carried: bool = False,
) -> Mention | None:
    """The instrument a trigger is about. A bare direction verb needs one in its sentence;
    `carried`: a call that stands on its own ("more downside than upside") may take the
    instrument of the sentences before it."""
    clause_start, clause_end = clause_bounds(text, trig.start)
    after = [m for m in local if trig.end <= m.start < clause_end and m.start - trig.end <= 45]
    if trig.position:
        return after[0] if after else None
    before = [m for m in local if clause_start <= m.start < trig.end]  # "target for $IWM is 220"
    if before:
        return before[-1]
    if after:
        return after[0]
    earlier = [m for m in local if m.start < trig.start]
    if earlier:
        return earlier[-1]
    if trig.kind == "direction" and not trig.position and not carried:
        return None
    if recent:
        return recent[-1]
    if main.mention is not None and (
        load_cues().anaphora.search(text[: trig.start])
        or ((trig.kind in ("target", "move") or carried) and main.only)
    ):
        return main.mention  # "room to test 39,300" in a piece about one index
    return None


def _nearest_horizon(text: str, trig: Trigger) -> HorizonMatch | None:
    found = find_horizons(text)
    if not found:
        return None
    clause_start, clause_end = clause_bounds(text, trig.start)
    in_clause = [h for h in found if clause_start <= h.start < clause_end]
    pool = in_clause or found
    return min(
        pool,
        key=lambda h: (
            abs(h.start - trig.end) if h.start >= trig.end else abs(trig.start - h.end) + 5
        ),
    )


def _prune_sentence(found: list[_Candidate]) -> list[_Candidate]:
    """Within one sentence, a sized claim on a subject makes a bare direction on it
    redundant, and a target makes a move on it redundant: "gaining 13.5%, reaching 2,715"
    and "a $304 target, 19% upside" state one forecast, the level."""
    sized = {canonical(c.claim.subject) for c in found if c.claim.kind != "direction"}
    levels = {canonical(c.claim.subject) for c in found if c.claim.kind == "target"}
    return [
        c
        for c in found
        if not (c.claim.kind == "direction" and canonical(c.claim.subject) in sized)
        and not (c.claim.kind == "move" and canonical(c.claim.subject) in levels)
    ]


def _forecast_key(c: Claim) -> tuple[object, ...]:
    bench = canonical(c.benchmark) if c.benchmark else None
    subject, direction = canonical(c.subject), c.direction
    if c.kind == "relative" and bench is not None and c.ratio is None and bench < subject:
        # "A beats B" and "B lags A" are one call
        subject, bench, direction = bench, subject, ("down" if direction == "up" else "up")
    values = (c.target_low, c.target_high, c.move_pct, c.ratio, bench)
    return (c.forecaster, subject, c.kind, direction, *values)


def _deduplicate(candidates: list[_Candidate]) -> list[Claim]:
    """One claim per forecast. A summary bullet gives way to the body sentence that states
    the same forecast; a restatement with no horizon merges into the statement that gives
    one; the same forecast with two different stated horizons stays two claims."""
    in_body = {_forecast_key(c.claim) for c in candidates if not c.bullet}
    kept: list[Claim] = []
    for cand in candidates:
        claim, key = cand.claim, _forecast_key(cand.claim)
        if cand.bullet and key in in_body:
            continue
        twin = next(
            (i for i, k in enumerate(kept) if _forecast_key(k) == key and _same_window(k, claim)),
            None,
        )
        if twin is None:
            kept.append(claim)
        elif kept[twin].horizon_assumed and not claim.horizon_assumed:
            kept[twin] = claim
    return kept


def _same_window(a: Claim, b: Claim) -> bool:
    """Two stated windows that open together and end within a month of each other are one
    call restated ("year-end target" and "12-month target" in a mid-December note)."""
    if a.horizon_assumed or b.horizon_assumed:
        return True
    if a.horizon_end is None or b.horizon_end is None or a.horizon_start != b.horizon_start:
        return (a.horizon_start, a.horizon_end) == (b.horizon_start, b.horizon_end)
    return abs((a.horizon_end - b.horizon_end).days) <= SAME_WINDOW_DAYS
