"""Per-process cache of the explorer API: the memo of finished `POST /api/run` bodies.

Owns the memo, its app key and the memo key; must not parse requests or replay: explorer_api.py does.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from flask import Flask, current_app

from ..runs import load_scenario
from ..runs.actions import canonical
from .context import catalog, settings

MEMO_KEY = "journey.explorer.memo"
MEMO_ENTRIES, MEMO_BYTES = 512, 32 * 1024 * 1024


def install(app: Flask) -> None:
    """Hang this process's memo off the app (never off module globals)."""
    app.extensions.setdefault(MEMO_KEY, ResponseMemo(MEMO_ENTRIES, MEMO_BYTES))


class ResponseMemo:
    """Replays are deterministic (same run, same bytes), so a finished response body can be reused.

    Keyed by a hash of everything that shapes the body, including the build's input hash. The runs
    layer keeps its own checkpoints; this saves replaying and JSON-encoding identical requests (a
    class opening the same share link). Bounded in entries and in bytes; a body over a sixteenth
    of the byte budget is not kept."""

    def __init__(self, entries: int, max_bytes: int):
        self.entries = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._raw: OrderedDict[bytes, tuple] = OrderedDict()   # sha256(request bytes) -> (..., key)
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def get_raw(self, raw: bytes):
        """What these exact request bytes were answered with: (version, scenario, build hash,
        scenario digest, key of the body), or None."""
        with self._lock:
            return self._raw.get(hashlib.sha256(raw).digest())

    def put_raw(self, raw: bytes, seen: tuple) -> None:
        with self._lock:
            self._raw[hashlib.sha256(raw).digest()] = seen
            while len(self._raw) > self.entries:
                self._raw.popitem(last=False)

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 16:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.bytes += len(body) - (len(old) if old is not None else 0)
            self._entries[key] = body
            while len(self._entries) > self.entries or self.bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= len(dropped)


def response_memo() -> ResponseMemo:
    return current_app.extensions[MEMO_KEY]


def recent_build(version: str):
    """The version's Build; Catalog.build re-checks the content folder at most once a second."""
    return catalog().build(version)


def memo_key(version, scenario_id, actions, source, max_events, kinds, events_from) -> tuple[str, str, str]:
    """(key, build hash, scenario digest): the key hashes everything that shapes the body. Scenario
    files can change under a running server (the runs layer re-reads them by mtime), so their digest
    is part of it."""
    digest = hashlib.sha256()
    build = recent_build(version)
    scenario = load_scenario(catalog().content_root, version, scenario_id)
    for part in (build.input_hash, version, scenario_id, scenario.digest, canonical(actions),
                 json.dumps(source, sort_keys=True), str(max_events), json.dumps(kinds), str(events_from),
                 str(settings().insn_budget)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest(), build.input_hash, scenario.digest
