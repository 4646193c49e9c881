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


class PrefixKeys:
    """Keys of the prefixes of one action list: sha256(base, "\0", canonical text of the first i actions).

    The whole list and the list minus its last action (the two a stepping client asks for) are hashed
    in one pass; other prefixes only on a miss, when a replay is going to cost more anyway."""

    def __init__(self, base: bytes, actions: ActionList):
        self.base = base
        self.actions = actions
        self.count = len(actions)
        text = actions.text
        self._data = memoryview(text.encode()) if text.isascii() else None
        self._keys: dict[int, bytes] = {}

    def _bytes(self, start: int, end: int):
        if self._data is not None:
            return self._data[start:end]
        return self.actions.text[start:end].encode()

    def key(self, i: int) -> bytes:
        if i not in self._keys:
            digest = hashlib.sha256(self.base + b"\0")
            if i >= self.count - 1 and self.count:       # both long keys in one pass over the text
                cut = self.actions.end(self.count - 1)
                digest.update(self._bytes(0, cut))
                self._keys[self.count - 1] = digest.copy().digest()
                digest.update(self._bytes(cut, len(self.actions.text)))
                self._keys[self.count] = digest.digest()
            else:
                digest.update(self._bytes(0, self.actions.end(i)))
                self._keys[i] = digest.digest()
        return self._keys[i]

    def probes(self) -> list[int]:
        """The prefixes worth looking up, longest first: all, all but one (step back), then the strides."""
        n = self.count
        out = [n] + ([n - 1] if n >= 1 else [])
        out += [i for i in range((n - 2) // STRIDE * STRIDE, -1, -STRIDE) if i < n - 1] if n >= 2 else []
        if 0 not in out:
            out.append(0)
        return out


def base_key(*parts: str) -> bytes:
    digest = hashlib.sha256(b"journey-run-v1")
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.digest()


class CheckpointCache:
    def __init__(self, size: int = 4096):
        self.size = size
        self._entries: OrderedDict[bytes, Checkpoint] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: bytes) -> Checkpoint | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: bytes, checkpoint: Checkpoint) -> None:
        with self._lock:
            self._entries[key] = checkpoint
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def longest(self, keys: PrefixKeys) -> tuple[int, Checkpoint | None]:
        for i in keys.probes():
            found = self.get(keys.key(i))
            # The whole list only counts with its State (which holds `changed` of the last action);
            # a stride checkpoint at the same length does not, so resume one step earlier instead.
            if found is not None and (i < keys.count or found.state is not None):
                self.hits += 1
                return i, found
        self.misses += 1
        return 0, None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


CACHE = CheckpointCache()
