"""Per-client rate limit for the expensive endpoints (grading, edited-source builds).

A sliding one-minute window per (bucket, client address), per worker process: with N workers a
client gets at most N× the limit, which still bounds the toolchain load. Holds only counters.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque

from flask import current_app, request

from ..errors import RateLimited

WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000


class RateLimiter:
    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def check(self, bucket: str, client: str) -> None:
        """Record a hit, or raise RateLimited with the seconds to wait."""
        if self.per_minute <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._hits) > MAX_CLIENTS:  # bound memory against address churn
                self._hits.clear()
            hits = self._hits.setdefault((bucket, client), deque())
            while hits and now - hits[0] >= WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= self.per_minute:
                retry = max(1, int(WINDOW_SECONDS - (now - hits[0])) + 1)
                raise RateLimited(f"too many {bucket} requests: at most {self.per_minute} a minute",
                                  {"retry_after_seconds": retry, "limit_per_minute": self.per_minute})
            hits.append(now)


def limiter() -> RateLimiter:
    ext = current_app.extensions
    if "journey.ratelimit" not in ext:
        ext["journey.ratelimit"] = RateLimiter(ext["journey.settings"].grade_rate)
    return ext["journey.ratelimit"]


def rate_limited(bucket: str):
    """Decorator for a view: counts the request against `bucket` for the client's address."""
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            limiter().check(bucket, request.remote_addr or "unknown")
            return view(*args, **kwargs)
        return inner
    return wrap
