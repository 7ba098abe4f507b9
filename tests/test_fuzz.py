"""Fuzzing (Hypothesis, bounded so CI stays fast): any document is stored or refused with
a reason, and extraction never fails unexpectedly. The long run is
`python benchmarks/fuzz.py --inputs 10000`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import IngestError
from pipeline.extract.claims import extract_each, make_nlp
from pipeline.ingest.parse import parse_html, parse_text
from pipeline.models import Article, Failure
from pipeline.settings import Settings

SETTINGS = Settings()
NLP = make_nlp(SETTINGS)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

numbers = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda x: f"{x:g}"),
    st.sampled_from(["99999999999", "0", "-0", "1e308", "0.0000001", "1,000,000", "١٢"]),
)
units = st.sampled_from(["days", "weeks", "months", "years", "quarters", "sessions"])
symbols = st.sampled_from(["IWM", "$NVDA", "the S&P 500", "small caps", "QQQ", "^RUT", "KRE"])
dates = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    st.sampled_from(["2024-02-30", "0000-00-00", "9999-12-31", "2024-13-01", "yesterday", ""]),
)
sentences = st.builds(
    lambda who, sym, n, k, unit, tail: f"{who} {sym} to rally {n}% in the next {k} {unit}{tail}",
    st.sampled_from(["I expect", "Goldman sees", "We think", "Analysts say", "u/x says"]),
    symbols,
    numbers,
    numbers,
    units,
    st.sampled_from([".", " by year-end.", " into the new year.", " from $118 to $140.", ""]),
)
yaml_values = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.lists(st.text(max_size=10), max_size=3),
    dates,
    st.sampled_from(["!!binary aGVsbG8=", "[1, 2]", "{a: b}", "~", "'", ": :"]),
)


def _stored_or_refused(read: Callable[[], Article]) -> Article | None:
    """The article, or None when it was refused with a reason (any other error fails)."""
    try:
        return read()
    except IngestError as exc:
        if not exc.message:
            raise AssertionError("refused without a reason") from exc
        return None


def _no_unexpected(article: Article) -> None:
    for _, result in extract_each([article], SETTINGS, NLP):
        if isinstance(result, Failure):
            assert not result.reason.startswith("unexpected"), result.reason


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["title", "author", "published", "url", "source", "tags"]),
        yaml_values,
        max_size=5,
    ),
    st.lists(st.one_of(sentences, st.text(max_size=80)), min_size=1, max_size=6),
)
def test_fuzz_front_matter_documents_are_stored_or_refused(
    meta: dict[str, object], body: list[str]
) -> None:
    header = "".join(f"{key}: {value}\n" for key, value in meta.items())
    text = f"---\n{header}---\n" + "\n".join(body) + "\n"
    article = _stored_or_refused(lambda: parse_text(text, "fuzz.md", "markdown"))
    if article is not None:
        _no_unexpected(article)


tags = st.sampled_from(["div", "p", "span", "article", "main", "li", "ul", "h1", "time", "a"])


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 30))):
        tag = draw(tags)
        attrs = draw(
            st.dictionaries(
                st.sampled_from(["class", "id", "datetime", "itemprop", "rel", "hidden"]),
                st.text(max_size=12),
                max_size=3,
            )
        )
        written = "".join(f' {k}="{v.replace(chr(34), "")}"' for k, v in attrs.items())
        parts.append(f"<{tag}{written}>{draw(st.one_of(sentences, st.text(max_size=40)))}")
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    ld = draw(
        st.recursive(
            st.one_of(st.none(), st.integers(), st.text(max_size=10), dates),
            lambda inner: st.one_of(
                st.lists(inner, max_size=3),
                st.dictionaries(
                    st.sampled_from(["@type", "@graph", "author", "headline", "datePublished"]),
                    inner,
                    max_size=3,
                ),
            ),
            max_leaves=10,
        )
    )
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    title = draw(st.text(max_size=40))
    return f"<html><head><title>{title}</title>{head}</head><body>{''.join(parts)}</body></html>"


@FUZZ
@given(html_pages(), st.sampled_from([None, "https://news.example/2024/02/30/x", "ftp://x"]))
def test_fuzz_html_pages_are_stored_or_refused(html: str, url: str | None) -> None:
    article = _stored_or_refused(lambda: parse_html(html, url=url))
    if article is not None:
        _no_unexpected(article)
