"""`BoundedCache`: the one per-process cache of the project — an LRU bounded by an estimate of the bytes it
holds (and optionally by entries), with hit, miss and eviction counters — and the registry of every cache
in the process, which the app scales to its memory budget and shows at /metrics (Prometheus text).

Owns bounding, counting and reporting; must not know what is cached (callers give the key, the value and,
when they know better than `estimate_bytes`, its cost). No Flask here: the core packages create caches.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import fields, is_dataclass
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_REGISTRY: dict[str, BoundedCache[Any, Any]] = {}
_REGISTRY_LOCK = threading.Lock()
_budget: list[int] = []         # set by scale_to(): caches registered later get their share too
_MISSING = object()


def estimate_bytes(value: object, limit: int = 200_000) -> int:
    """What `value` holds in memory: sys.getsizeof over the containers, strings, bytes and dataclasses it
    reaches, each object counted once. Objects shared with other entries are counted again (an upper
    bound); a walk stops after `limit` objects (huge values are rare and then only underestimated)."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack and len(seen) < limit:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (bool, type)):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, (str, bytes, bytearray, int, float, memoryview)):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif is_dataclass(obj):
            stack.extend(getattr(obj, f.name) for f in fields(obj))
        elif hasattr(obj, "__dict__"):
            stack.append(vars(obj))
    return total


class BoundedCache(Generic[K, V]):
    """A thread-safe LRU of at most `max_bytes` (estimated) and `max_entries`, registered under `name`
    (a later cache of the same name replaces it in the registry: one app per process).

    An entry larger than 1/`oversize` of the byte bound is not kept: one huge value must not flush the rest.
    With oversize=1 (values charged a fixed cost) the newest entry is always kept, even over the bound."""

    def __init__(self, name: str, max_bytes: int, max_entries: int | None = None,
                 sizeof: Callable[[K, V], int] | None = None, register: bool = True, oversize: int = 8):
        self.name = name
        self.default_max_bytes = self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.oversize = oversize
        self._sizeof = sizeof or (lambda key, value: estimate_bytes(key) + estimate_bytes(value))
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = self.evictions = 0
        if register:        # the process's own caches; a private one (a test's, a bench's) is not reported
            with _REGISTRY_LOCK:
                _REGISTRY[name] = self
            if _budget:
                scale_to(_budget[0])

    def get(self, key: K, default: Any = None) -> Any:
        """The value for `key` (counted as a hit) or `default` (a miss)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return default
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def peek(self, key: K) -> V | None:
        """Like get, but neither counted nor made recent (for probing several keys)."""
        with self._lock:
            found = self._entries.get(key)
            return None if found is None else found[0]

    def put(self, key: K, value: V, cost: int | None = None) -> None:
        cost = self._sizeof(key, value) if cost is None else cost
        if self.oversize > 1 and cost > self.max_bytes // self.oversize:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.bytes -= previous[1]
            self._entries[key] = (value, cost)
            self.bytes += cost
            self._shrink()

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The cached value, or `make()`'s, stored. Two threads may both make a missing value (harmless:
        every cached value here is a pure function of its key)."""
        found = self.get(key, _MISSING)
        if found is not _MISSING:
            return found
        value = make()
        self.put(key, value)
        return value

    def pop(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.pop(key, None)
            if found is None:
                return None
            self.bytes -= found[1]
            return found[0]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def resize(self, max_bytes: int) -> None:
        with self._lock:
            self.max_bytes = max_bytes
            self._shrink()

    def _shrink(self) -> None:
        while len(self._entries) > 1 and (self.bytes > self.max_bytes or (
                self.max_entries is not None and len(self._entries) > self.max_entries)):
            _key, (_value, cost) = self._entries.popitem(last=False)
            self.bytes -= cost
            self.evictions += 1

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._entries), "bytes": self.bytes, "max_bytes": self.max_bytes,
                "hits": self.hits, "misses": self.misses, "evictions": self.evictions}


def caches() -> Iterator[BoundedCache[Any, Any]]:
    with _REGISTRY_LOCK:
        found = list(_REGISTRY.values())
    return iter(sorted(found, key=lambda c: c.name))


def default_budget() -> int:
    """The sum of every registered cache's own bound: what the caches may hold when nobody scales them."""
    return sum(c.default_max_bytes for c in caches())


def scale_to(budget: int) -> None:
    """Give every cache the same share of `budget` that its default bound has of the default total
    (JOURNEY_CACHE_MB: create_app calls this; the CLI keeps the defaults)."""
    _budget[:] = [budget]
    total = default_budget()
    for cache in caches():
        cache.resize(max(1, cache.default_max_bytes * budget // total))


def resident_bytes() -> int | None:
    """This process's resident set size (Linux /proc), or None elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


_METRICS = (
    ("hits", "counter", "Lookups that found an entry."),
    ("misses", "counter", "Lookups that found nothing."),
    ("evictions", "counter", "Entries dropped to stay within the bounds."),
    ("entries", "gauge", "Entries held now."),
    ("bytes", "gauge", "Estimated bytes held now."),
    ("max_bytes", "gauge", "The byte bound."),
)


def prometheus_text() -> str:
    """Every cache's counters, and this process's RSS, in the Prometheus text exposition format 0.0.4."""
    stats = [(c.name, c.stats()) for c in caches()]
    out = []
    for metric, kind, help_text in _METRICS:
        name = f"journey_cache_{metric}" + ("_total" if kind == "counter" else "")
        out += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        out += [f'{name}{{cache="{cache}"}} {values[metric]}' for cache, values in stats]
    rss = resident_bytes()
    if rss is not None:
        out += ["# HELP process_resident_memory_bytes Resident memory size in bytes.",
                "# TYPE process_resident_memory_bytes gauge", f"process_resident_memory_bytes {rss}"]
    return "\n".join(out) + "\n"
