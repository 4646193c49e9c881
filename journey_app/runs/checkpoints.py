"""`CheckpointCache`: per process, an LRU of run checkpoints keyed by (build, scenario, budget, action prefix).
Owns the keys and the bound; must not run anything. Any worker may miss: a miss only costs a replay.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from .actions import ActionList
from .runner import Checkpoint

STRIDE = 32            # while replaying, also keep a checkpoint every STRIDE actions
MAX_BYTES = 96 << 20   # per process: a class's varied runs must not grow a worker without bound
EVENT_BYTES = 512      # rough cost of one event (a dict of a dozen small fields) in a checkpoint's chunk
CONTEXT_BYTES = 4096   # Unicorn context, host state, small tuples


def approx_bytes(checkpoint: Checkpoint) -> int:
    """What a checkpoint holds on its own: its dirty pages and its chunk of events (history below
    the chunk is shared with older checkpoints). Shared pages are counted again: an upper bound."""
    pages = sum(len(page) for page in checkpoint.pages.values())
    chunk = len(checkpoint.log.chunk) if checkpoint.log is not None else 0
    return CONTEXT_BYTES + pages + chunk * EVENT_BYTES


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
    """LRU bounded both by entries and by an estimate of the bytes they hold."""

    def __init__(self, size: int = 4096, max_bytes: int = MAX_BYTES):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[bytes, tuple[Checkpoint, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: bytes) -> Checkpoint | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: bytes, checkpoint: Checkpoint) -> None:
        cost = approx_bytes(checkpoint)
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.bytes -= previous[1]
            self._entries[key] = (checkpoint, cost)
            self.bytes += cost
            while len(self._entries) > 1 and (len(self._entries) > self.size or self.bytes > self.max_bytes):
                _key, (_old, old_cost) = self._entries.popitem(last=False)
                self.bytes -= old_cost

    def longest(self, keys: PrefixKeys) -> tuple[int, Checkpoint | None]:
        """The checkpoint of the longest cached prefix and the raw offset where that prefix ends.

        Probes: the whole list (only with its State, which holds `changed` of the last action), the
        list minus its last action, then every STRIDE-th prefix and the start."""
        actions = keys.actions
        full, cut = len(actions.full), actions.last_cut()
        found = self.get(keys.at(full))
        if found is not None and found.state is not None:
            self.hits += 1
            return full, found
        if full and (found := self.get(keys.at(cut))) is not None:
            self.hits += 1
            return cut, found
        count = len(actions)
        for i in range((count - 1) // STRIDE * STRIDE, 0, -STRIDE):
            found = self.get(keys.at(actions.end(i)))
            if found is not None:
                self.hits += 1
                return actions.end(i), found
        self.misses += 1
        return 0, self.get(keys.at(0))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


CACHE = CheckpointCache()
