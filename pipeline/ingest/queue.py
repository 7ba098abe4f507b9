"""Queue: which links of a feed or sitemap one run reads; the rest wait for the next run.

Input: the links one source lists (a feed, or a sitemap with the sitemaps its index
names: one source), the raw-page cache and the source's queue. Output: a `Plan`, the
links to fetch now. Side effects: new links are queued (in the store) before any is
fetched, so an interrupted run loses none; the run takes a link off the queue when it
stores the Article or Failure the link gave.

Policy: a link fetched before is not new and does not count (it is fetched again only
when a sitemap's <lastmod> says the page changed). Queued and new links are taken newest
first where the listing dates them, at most `max_items_per_source` per source and run; at
the same date (or none) a queued link goes first, oldest first, in listing order. A link
that failed before (it left the queue as a Failure; the listing gives it again) is tried
again after all the others, so links that keep failing cannot hold up the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pipeline.ingest.fetch import PageCache
from pipeline.models import Link, Page


class LinkQueue(Protocol):
    """Where the links a run does not read wait for the next one (the store implements it)."""

    def queued_links(self, source: str) -> list[Link]: ...

    def queue_links(self, source: str, links: Sequence[Link]) -> int: ...

    def failed_items(self, items: Sequence[str]) -> set[str]: ...


@dataclass(frozen=True)
class Plan:
    """What one run reads of the links one source lists."""

    fetch: list[Link]  # queued or never fetched, highest priority first, within the cap
    revalidate: list[Link]  # fetched before; the listing says the page changed since


def plan_links(
    source: str,
    listed: Sequence[Link],
    cache: PageCache | None,
    queue: LinkQueue | None,
    cap: int,
) -> Plan:
    """The links of `source` to read this run; new ones are queued first.

    Args:
        source: the feed, sitemap or sitemap index the user named.
        listed: every link it lists (its child sitemaps' links included), in listing order.
        cache: the raw-page cache: a link with a cached page was fetched before.
        queue: where links wait between runs. None: nothing can keep them, so every new
            link is read and `cap` does not apply.
        cap: the most links read per run (`max_items_per_source`); 0 for no limit.
    """
    queued = queue.queued_links(source) if queue is not None else []
    waiting = {link.url for link in queued}
    fresh: list[Link] = []
    revalidate: list[Link] = []
    for link in unique(listed):
        if link.url in waiting:
            continue
        cached = cache.cached_page(link.url) if cache is not None else None
        if cached is None:
            fresh.append(link)
        elif changed_since(link, cached):
            revalidate.append(link)
    fresh = prioritised(fresh)
    if queue is None:
        return Plan(fresh, revalidate)
    queue.queue_links(source, fresh)
    candidates = prioritised([*queued, *fresh])
    failed = queue.failed_items([link.url for link in candidates])
    candidates.sort(key=lambda link: link.url in failed)  # stable: retries after the rest
    return Plan(candidates[:cap] if cap > 0 else candidates, revalidate)


def prioritised(links: Iterable[Link]) -> list[Link]:
    """Newest first by the date the listing gives (a feed's published date, a sitemap's
    <lastmod>); undated links after the dated ones; otherwise in the order given."""
    return sorted(links, key=_newest_first)


def _newest_first(link: Link) -> tuple[bool, int]:
    when = link.published or link.lastmod
    return (when is None, -when.toordinal() if when else 0)


def unique(links: Iterable[Link]) -> list[Link]:
    """Each URL once, where it is first listed (two child sitemaps may list one page)."""
    seen: set[str] = set()
    out: list[Link] = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out


def changed_since(link: Link, cached: Page) -> bool:
    """A sitemap's <lastmod> after the cached copy was fetched means the page changed."""
    fetched = date.fromisoformat(cached.fetched_at[:10]) if cached.fetched_at else None
    return bool(link.lastmod and fetched and link.lastmod > fetched)
