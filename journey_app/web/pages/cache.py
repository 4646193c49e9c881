"""Rendered pages kept per process, keyed by what they were made from (the content hash among it).

A page is rendered once per key and served from here after: one of the app's BoundedCaches ("web.pages",
bounded by total bytes, least recently used first out; a page over an eighth of the bound is not kept).
Owns no routes and knows nothing of what a page shows.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from ...caches import BoundedCache

CACHE_KEY = "journey.pages.rendered"
MAX_BYTES = 16 * 1024 * 1024


class PageCache:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self._pages: BoundedCache[tuple, str] = BoundedCache("web.pages", max_bytes,
                                                             sizeof=lambda key, page: len(page))

    def get(self, key: tuple, render: Callable[[], str]) -> str:
        return self._pages.get_or_make(key, render)

    @property
    def misses(self) -> int:
        """Pages rendered (not found) so far: what "rendered once per key" is checked by."""
        return self._pages.misses

    def stats(self) -> dict:
        return self._pages.stats()


def page_cache() -> PageCache:
    found = current_app.extensions.get(CACHE_KEY)
    if found is None:           # not setdefault(PageCache()): that would make (and register) one per call
        found = current_app.extensions[CACHE_KEY] = PageCache()
    return found
