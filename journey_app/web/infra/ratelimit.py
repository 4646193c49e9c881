"""Per-client rate limits that hold across workers, replicas and restarts: counters in the SQL database
every deployment already has (DATABASE_URL: SQLite file or PostgreSQL), table `rate_limit_hits`.

Buckets (RATE_BUCKETS): `grade` (grading and lab builds), `build` (edited source on /api/run),
`instructor-login` (failed token attempts: a client over the limit is refused BEFORE its token is
compared), and `run-ms` (milliseconds of uncached emulation per client, charged after each run, so a
class behind one address clicking "step" stays cheap while expensive runs run out quickly).
Windows are fixed minutes, read as a sliding minute (the previous minute's count weighted by how much
of it is still inside the last 60 s). If the database cannot be reached the limiter falls back to one
in-process window per worker and says so in the log. Holds only counters; no request data is stored.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import threading
import time
from collections import deque

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.dialects import postgresql, sqlite

from ...errors import RateLimited

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000
PRUNE_EVERY = 500          # hits between deletions of windows older than the previous minute
RATE_BUCKETS = ("grade", "build", "instructor-login", "run-ms")

_metadata = sa.MetaData()
hits_table = sa.Table(
    "rate_limit_hits", _metadata,
    sa.Column("bucket", sa.String(32), primary_key=True),
    sa.Column("client", sa.String(64), primary_key=True),
    sa.Column("window", sa.BigInteger, primary_key=True, autoincrement=False),   # int(epoch seconds // 60)
    sa.Column("hits", sa.BigInteger, nullable=False),
)


def client_key(address: str | None) -> str:
    """The client's address; IPv6 by its /64 (one host usually has a whole /64 to rotate through)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimiter:
    """In-process sliding window per (bucket, client): the fallback, and the unit-tested reference."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def check(self, bucket: str, client: str, limit: int | None = None, cost: int = 1) -> None:
        """Record a hit, or raise RateLimited with the seconds to wait."""
        limit = self.per_minute if limit is None else limit
        if limit <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._hits) > MAX_CLIENTS:  # bound memory against address churn
                self._hits.clear()
            hits = self._hits.setdefault((bucket, client), deque())
            while hits and now - hits[0][0] >= WINDOW_SECONDS:
                hits.popleft()
            if sum(c for _t, c in hits) >= limit:
                retry = max(1, int(WINDOW_SECONDS - (now - hits[0][0])) + 1)
                raise _limited(bucket, limit, retry)
            hits.append((now, cost))

    def peek(self, bucket: str, client: str, limit: int | None = None) -> None:
        limit = self.per_minute if limit is None else limit
        if limit <= 0:
            return
        now = self.clock()
        with self._lock:
            hits = self._hits.get((bucket, client), deque())
            used = sum(c for t, c in hits if now - t < WINDOW_SECONDS)
        if used >= limit:
            raise _limited(bucket, limit, int(WINDOW_SECONDS))

    def charge(self, bucket: str, client: str, cost: int) -> None:
        with self._lock:
            self._hits.setdefault((bucket, client), deque()).append((self.clock(), cost))


def _limited(bucket: str, limit: int, retry: int) -> RateLimited:
    what = "milliseconds of emulation" if bucket == "run-ms" else f"{bucket} requests"
    return RateLimited(f"too many {what}: at most {limit} a minute",
                       {"retry_after_seconds": retry, "limit_per_minute": limit, "bucket": bucket})


class SqlRateLimiter:
    """The shared limiter: one row per (bucket, client, minute) in the deployment's database."""

    def __init__(self, url: str, per_minute: int, clock=time.time):
        self.per_minute = per_minute
        self.clock = clock
        self.engine = _engine(url)
        self.fallback = RateLimiter(per_minute)
        self._hits_since_prune = 0
        self._failed = False
        self._ready = False
        self._lock = threading.Lock()

    # -- the three operations the views use ---------------------------------------------------------------
    def check(self, bucket: str, client: str, limit: int | None = None, cost: int = 1) -> None:
        """Count this hit, then refuse (RateLimited) if the client is over the limit. Counting first makes
        concurrent requests of one client see each other, and keeps a client that hammers refused."""
        limit = self.per_minute if limit is None else limit
        if limit <= 0:
            return

        def add_then_count() -> float:
            self._add(bucket, client, cost)
            return self._used(bucket, client)

        used = self._guarded(add_then_count, bucket, client, limit, cost)
        if used is not None and used > limit:
            raise _limited(bucket, limit, self._retry())

    def peek(self, bucket: str, client: str, limit: int | None = None) -> None:
        """Refuse when over the limit without counting (checked before a token is compared)."""
        limit = self.per_minute if limit is None else limit
        if limit <= 0:
            return
        used = self._guarded(lambda: self._used(bucket, client), bucket, client, 0, 0)
        if used is not None and used >= limit:
            raise _limited(bucket, limit, self._retry())

    def charge(self, bucket: str, client: str, cost: int) -> None:
        """Count `cost` (e.g. milliseconds a run took) after the fact."""
        self._guarded(lambda: self._add(bucket, client, cost), bucket, client, 0, cost)

    # -- SQL ---------------------------------------------------------------------------------------------
    def _window(self) -> tuple[int, float]:
        now = self.clock()
        return int(now // WINDOW_SECONDS), (now % WINDOW_SECONDS) / WINDOW_SECONDS

    def _retry(self) -> int:
        _window, fraction = self._window()
        return max(1, math.ceil(WINDOW_SECONDS * (1 - fraction)))

    def _used(self, bucket: str, client: str) -> float:
        self._create()
        window, fraction = self._window()
        t = hits_table
        with self.engine.connect() as conn:
            rows = dict(conn.execute(sa.select(t.c.window, t.c.hits).where(
                t.c.bucket == bucket, t.c.client == client, t.c.window.in_((window - 1, window)))).all())
        return rows.get(window, 0) + rows.get(window - 1, 0) * (1 - fraction)

    def _add(self, bucket: str, client: str, cost: int) -> None:
        self._create()
        window, _fraction = self._window()
        t = hits_table
        values = {"bucket": bucket, "client": client, "window": window, "hits": cost}
        with self.engine.begin() as conn:
            dialect = conn.dialect.name
            if dialect in ("sqlite", "postgresql"):
                insert = sqlite.insert(t) if dialect == "sqlite" else postgresql.insert(t)
                statement = insert.values(**values)
                conn.execute(statement.on_conflict_do_update(
                    index_elements=[t.c.bucket, t.c.client, t.c.window], set_={"hits": t.c.hits + cost}))
            else:
                changed = conn.execute(sa.update(t).where(t.c.bucket == bucket, t.c.client == client,
                                                          t.c.window == window).values(hits=t.c.hits + cost))
                if not changed.rowcount:
                    conn.execute(sa.insert(t).values(**values))
            with self._lock:
                self._hits_since_prune += 1
                prune = self._hits_since_prune >= PRUNE_EVERY
                if prune:
                    self._hits_since_prune = 0
            if prune:
                conn.execute(sa.delete(t).where(t.c.window < window - 1))

    def _create(self) -> None:
        if not self._ready:
            _metadata.create_all(self.engine, checkfirst=True)
            self._ready = True

    def _guarded(self, operation, bucket: str, client: str, limit: int, cost: int):
        """Run a database operation; when the database fails, count in this process instead."""
        try:
            result = operation()
        except sa.exc.SQLAlchemyError as exc:
            if not self._failed:
                log.warning("rate limits fall back to per-worker counters: %s", exc.__class__.__name__)
                self._failed = True
            if limit:
                self.fallback.check(bucket, client, limit, cost)
            return None
        if self._failed:
            log.warning("rate limits use the shared database again")
            self._failed = False
        return result


@functools.lru_cache(maxsize=8)
def _engine(url: str) -> sa.Engine:
    """An engine of its own (not the store's): SQLite in WAL with NORMAL sync, since counters need no fsync."""
    if url.startswith("sqlite"):
        from ...labs.store import _sqlite_path

        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 5})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def limiter() -> SqlRateLimiter:
    ext = current_app.extensions
    if "journey.ratelimit" not in ext:
        settings = ext["journey.settings"]
        ext["journey.ratelimit"] = SqlRateLimiter(settings.database_url, settings.grade_rate)
    return ext["journey.ratelimit"]


def run_rate_ms() -> int:
    """The run-ms bucket's limit: JOURNEY_RUN_RATE seconds of emulation a minute, in milliseconds."""
    return int(current_app.extensions["journey.settings"].run_rate * 1000)


def charged_run(run):
    """Call run() and charge the client the milliseconds it took, refusing first when it is over."""
    limit = run_rate_ms()
    if limit <= 0:
        return run()
    client = this_client()
    limiter().peek("run-ms", client, limit)
    started = time.monotonic()
    try:
        return run()
    finally:
        limiter().charge("run-ms", client, max(1, int((time.monotonic() - started) * 1000)))


def this_client() -> str:
    return client_key(request.remote_addr)


def rate_limited(bucket: str):
    """Decorator for a view: counts the request against `bucket` for the client's address."""
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            limiter().check(bucket, this_client())
            return view(*args, **kwargs)
        return inner
    return wrap
