"""Per-process cache of the explorer API: the memo of finished `POST /api/run` bodies.

Owns the memo, its app key and the memo key; must not parse requests or replay: api.py does.
"""

from __future__ import annotations

import hashlib
import json

from flask import Flask, current_app

from ...caches import BoundedCache
from ...runs import load_scenario
from ...runs.actions import canonical
from ..infra.context import catalog, settings

MEMO_KEY = "journey.explorer.memo"
MEMO_ENTRIES, MEMO_BYTES = 512, 8 * 1024 * 1024
RAW_ENTRY_BYTES = 512          # a digest key and a tuple of five short strings


def install(app: Flask) -> None:
    """Hang this process's memo off the app (never off module globals)."""
    app.extensions.setdefault(MEMO_KEY, ResponseMemo(MEMO_ENTRIES, MEMO_BYTES, register=True))


class ResponseMemo:
    """Replays are deterministic (same run, same bytes), so a finished response body can be reused.

    Keyed by a hash of everything that shapes the body, including the build's input hash. The runs
    layer keeps its own checkpoints; this saves replaying and JSON-encoding identical requests (a
    class opening the same share link). Two BoundedCaches: the bodies (bounded in entries and bytes; a
    body over a sixteenth of the byte budget is not kept) and what each exact request was answered with."""

    def __init__(self, entries: int, max_bytes: int, register: bool = False):
        self._bodies: BoundedCache[str, bytes] = BoundedCache(
            "web.run_memo", max_bytes, max_entries=entries, sizeof=lambda key, body: len(body), oversize=16,
            register=register)
        self._raw: BoundedCache[bytes, tuple] = BoundedCache(
            "web.run_memo_requests", entries * RAW_ENTRY_BYTES, max_entries=entries,
            sizeof=lambda key, seen: RAW_ENTRY_BYTES, register=register)

    @property
    def held_bytes(self) -> int:
        return self._bodies.bytes

    def get(self, key: str) -> bytes | None:
        return self._bodies.get(key)

    def get_raw(self, raw: bytes):
        """What these exact request bytes were answered with: (version, scenario, build hash,
        scenario digest, key of the body), or None."""
        return self._raw.get(hashlib.sha256(raw).digest())

    def put_raw(self, raw: bytes, seen: tuple) -> None:
        self._raw.put(hashlib.sha256(raw).digest(), seen)

    def put(self, key: str, body: bytes) -> None:
        self._bodies.put(key, body)


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
