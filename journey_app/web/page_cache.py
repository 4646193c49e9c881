"""Rendered pages kept per process, keyed by what they were made from (the content hash among it).

A page is rendered once per key and served from here after; bounded by total bytes, least recently
used first out. Owns no routes and knows nothing of what a page shows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app

CACHE_KEY = "journey.pages.rendered"
MAX_BYTES = 48 * 1024 * 1024


class PageCache:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, render: Callable[[], str]) -> str:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        page = render()
        size = len(page)
        if size > self.max_bytes // 8:
            return page  # never let one page push the rest out
        with self._lock:
            if key not in self._entries:
                self._entries[key] = page
                self.bytes += size
            while self.bytes > self.max_bytes:
                _, old = self._entries.popitem(last=False)
                self.bytes -= len(old)
        return page

    def stats(self) -> dict:
        return {"pages": len(self._entries), "bytes": self.bytes, "hits": self.hits, "misses": self.misses}


def page_cache() -> PageCache:
    return current_app.extensions.setdefault(CACHE_KEY, PageCache())
