"""Rendered pages kept per process, keyed by what they were made from (the content hash among it).

A page is rendered once per key and served from here after: one of the app's BoundedCaches ("web.pages",
bounded by total bytes, least recently used first out; a page over an eighth of the bound is not kept).
Explorer chapter pages with their first run filled in are kept apart ("web.boot_pages"): their keys
include the request's scenario and actions, so share links can never push the plain pages out.
Owns no routes and knows nothing of what a page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from flask import current_app

from ...caches import BoundedCache

CACHE_KEY = "journey.pages.rendered"
BOOT_CACHE_KEY = "journey.pages.with_boot"
MAX_BYTES = 16 * 1024 * 1024
BOOT_MAX_BYTES = 8 * 1024 * 1024


Page = TypeVar("Page", str, bytes)


class PageCache(Generic[Page]):
    def __init__(self, max_bytes: int = MAX_BYTES, name: str = "web.pages"):
        self._pages: BoundedCache[tuple, Page] = BoundedCache(name, max_bytes, sizeof=lambda key, page: len(page))

    def get(self, key: tuple, render: Callable[[], Page]) -> Page:
        return self._pages.get_or_make(key, render)

    def find(self, key: tuple) -> Page | None:
        return self._pages.get(key)

    def put(self, key: tuple, page: Page) -> None:
        self._pages.put(key, page)

    @property
    def misses(self) -> int:
        """Pages rendered (not found) so far: what "rendered once per key" is checked by."""
        return self._pages.misses

    def stats(self) -> dict:
        return self._pages.stats()


def page_cache() -> PageCache[str]:
    found = current_app.extensions.get(CACHE_KEY)
    if found is None:           # not setdefault(PageCache()): that would make (and register) one per call
        found = current_app.extensions[CACHE_KEY] = PageCache[str]()
    return found


def boot_page_cache() -> PageCache[bytes]:
    """Chapter pages with the live machine's first run in them (explorer_boot.py)."""
    found = current_app.extensions.get(BOOT_CACHE_KEY)
    if found is None:
        found = current_app.extensions[BOOT_CACHE_KEY] = PageCache[bytes](BOOT_MAX_BYTES, name="web.boot_pages")
    return found
