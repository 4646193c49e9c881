"""Rendered pages kept per process, keyed by what they were made from (the content hash among it).

A page is rendered once per key and served from here after: one of the app's BoundedCaches ("web.pages",
bounded by total bytes, least recently used first out; a page over a quarter of the bound is not kept:
the app scales every cache to its memory budget, which leaves this one ~5 MB, and /stages/H is 600 KB).
Explorer chapter pages with their first run filled in are kept apart ("web.boot_pages"): their keys
include the request's scenario and actions, so share links can never push the plain pages out.
Every key also holds the default version: it has the short URLs (/chapters/G-033), so a kernel version added
under a running site changes every page's links. Owns no routes and knows nothing of what a page shows.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from ...caches import BoundedCache
from ..infra.compression import sending_cached
from ..infra.context import default_version

CACHE_KEY = "journey.pages.rendered"
BOOT_CACHE_KEY = "journey.pages.with_boot"
MAX_BYTES = 16 * 1024 * 1024
BOOT_MAX_BYTES = 8 * 1024 * 1024


class PageCache:
    """Pages as the UTF-8 bytes sent: encoded once when made, not per view (a stage page is 700 KB)."""

    def __init__(self, max_bytes: int = MAX_BYTES, name: str = "web.pages"):
        self.name = name
        self._pages: BoundedCache[tuple, bytes] = BoundedCache(name, max_bytes, sizeof=lambda key, page: len(page),
                                                               oversize=4)

    def get(self, key: tuple, render: Callable[[], str]) -> bytes:
        """The page, which the view sends as it is (so its compressed forms are kept too)."""
        key = _with_default(key)
        page = self._pages.get_or_make(key, lambda: render().encode())
        sending_cached((self.name, key))
        return page

    def find(self, key: tuple) -> bytes | None:
        key = _with_default(key)
        page = self._pages.get(key)
        if page is not None:
            sending_cached((self.name, key))
        return page

    def put(self, key: tuple, page: bytes) -> None:
        """Keep `page` under `key`; the caller names it to the compressed cache with identity(key)."""
        self._pages.put(_with_default(key), page)

    def identity(self, key: tuple) -> tuple:
        """What sending_cached() calls the page kept under `key`."""
        return self.name, _with_default(key)

    @property
    def misses(self) -> int:
        """Pages rendered (not found) so far: what "rendered once per key" is checked by."""
        return self._pages.misses

    def stats(self) -> dict:
        return self._pages.stats()


def page_cache() -> PageCache:
    return _per_app(CACHE_KEY, PageCache)


def boot_page_cache() -> PageCache:
    """Chapter pages with the live machine's first run in them (explorer/boot.py)."""
    return _per_app(BOOT_CACHE_KEY, lambda: PageCache(BOOT_MAX_BYTES, name="web.boot_pages"))


def _per_app(key: str, make: Callable[[], PageCache]) -> PageCache:
    found = current_app.extensions.get(key)
    if found is None:           # not setdefault(make()): that would make (and register) one per call
        found = current_app.extensions[key] = make()
    return found


def _with_default(key: tuple) -> tuple:
    return key, default_version()
