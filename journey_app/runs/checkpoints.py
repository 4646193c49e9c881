"""`CheckpointCache`: per process, an LRU of run checkpoints keyed by (build, scenario, budget, action prefix).
Owns the keys and the bound; must not run anything. Any worker may miss: a miss only costs a replay.
"""

from __future__ import annotations

import hashlib

from ..caches import BoundedCache, estimate_bytes
from .actions import ActionList
from .runner import Checkpoint

STRIDE = 32            # while replaying, also keep a checkpoint every STRIDE actions
MAX_BYTES = 32 << 20   # per process: a class's varied runs must not grow a worker without bound
EVENT_BYTES = 512      # rough cost of one event (a dict of a dozen small fields) in a checkpoint's chunk
CONTEXT_BYTES = 6144   # the Unicorn context (5.6 KiB for x86-32), host state, small tuples


def approx_bytes(checkpoint: Checkpoint) -> int:
    """What a checkpoint holds on its own: its dirty pages, its chunk of events (history below the chunk
    is shared with older checkpoints) and its State (without the IDT rows, which States share). Shared
    pages are counted again: an upper bound."""
    pages = sum(len(page) for page in checkpoint.pages.values())
    chunk = len(checkpoint.log.chunk) if checkpoint.log is not None else 0
    state = 0
    if checkpoint.state is not None:
        # Walk the State without its IDT rows rather than walking both and subtracting: the 256 rows were
        # most of the walk, and this estimate ran on every checkpoint kept (half of a varied /api/run).
        as_json = checkpoint.state.to_json()
        host = as_json.get("host")
        if isinstance(host, dict) and "idt" in host:
            as_json = {**as_json, "host": {k: v for k, v in host.items() if k != "idt"}}
        state = estimate_bytes(as_json)
    return CONTEXT_BYTES + pages + chunk * EVENT_BYTES + state


class PrefixKeys:
    """Checkpoint keys: sha256(base, "\\0", the raw text of a prefix up to the end of its last action).

    The same raw prefix always means the same actions, so equal keys mean equal runs. The whole text
    and the text without its last action (what a stepping client sent one request ago) are hashed in
    one pass; stride prefixes only after both miss."""

    def __init__(self, base: bytes, actions: ActionList):
        self.base = base + b"\0"
        self.actions = actions
        text = actions.full
        self._data = memoryview(text.encode()) if text.isascii() else None
        self._keys: dict[int, bytes] = {}

    def _bytes(self, start: int, end: int):
        if self._data is not None:
            return self._data[start:end]
        return self.actions.full[start:end].encode()

    def at(self, end: int) -> bytes:
        """The key of the prefix ending at raw offset `end`."""
        if end not in self._keys:
            digest = hashlib.sha256(self.base)
            full, cut = len(self.actions.full), self.actions.last_cut()
            if end in (full, cut):                   # both long keys in one pass over the text
                digest.update(self._bytes(0, cut))
                self._keys[cut] = digest.copy().digest()
                digest.update(self._bytes(cut, full))
                self._keys[full] = digest.digest()
            else:
                digest.update(self._bytes(0, end))
                self._keys[end] = digest.digest()
        return self._keys[end]


def base_key(*parts: str) -> bytes:
    digest = hashlib.sha256(b"journey-run-v1")
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.digest()


class CheckpointCache:
    """The runs' BoundedCache of checkpoints (bounded by entries and by approx_bytes), plus the prefix
    probing of `longest`. `hits`/`misses` count lookups of whole runs, not each probe."""

    def __init__(self, size: int = 4096, max_bytes: int = MAX_BYTES, name: str | None = None):
        self.cache: BoundedCache[bytes, Checkpoint] = BoundedCache(
            name or "runs.checkpoints", max_bytes, max_entries=size,
            sizeof=lambda key, checkpoint: approx_bytes(checkpoint), register=name is not None, oversize=1)

    @property
    def hits(self) -> int:
        return self.cache.hits

    @property
    def misses(self) -> int:
        return self.cache.misses

    def get(self, key: bytes) -> Checkpoint | None:
        return self.cache.peek(key)

    def put(self, key: bytes, checkpoint: Checkpoint) -> None:
        self.cache.put(key, checkpoint)

    def longest(self, keys: PrefixKeys) -> tuple[int, Checkpoint | None]:
        """The checkpoint of the longest cached prefix and the raw offset where that prefix ends.

        Probes: the whole list (only with its State, which holds `changed` of the last action), the
        list minus its last action, then every STRIDE-th prefix and the start."""
        actions = keys.actions
        full, cut = len(actions.full), actions.last_cut()
        found = self.cache.peek(keys.at(full))
        if found is not None and found.state is not None:
            return full, self.cache.get(keys.at(full))
        if full and self.cache.peek(keys.at(cut)) is not None:
            return cut, self.cache.get(keys.at(cut))
        count = len(actions)
        for i in range((count - 1) // STRIDE * STRIDE, 0, -STRIDE):
            if self.cache.peek(keys.at(actions.end(i))) is not None:
                return actions.end(i), self.cache.get(keys.at(actions.end(i)))
        return 0, self.cache.get(keys.at(0))

    def clear(self) -> None:
        self.cache.clear()

    def __len__(self) -> int:
        return len(self.cache)


CACHE = CheckpointCache(name="runs.checkpoints")
