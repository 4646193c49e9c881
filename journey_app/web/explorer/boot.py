"""The live machine's first moment, rendered into the chapter page: the scenarios for the chapter, the chapter
index that event links need, and the replay the page's URL asks for, so the machine is ready at first paint
instead of after four requests. Only assembles what the explorer API would answer; never fails the page.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask.json import dumps as json_dumps
from markupsafe import Markup

from ...errors import JourneyError
from ...runs.events import KINDS
from ...runs import load_scenario
from ...runs.actions import canonical, split_actions
from ..infra.compression import sending_cached
from ..infra.context import catalog, settings
from ..pages.cache import boot_page_cache
from .api import _replay, scenario_summaries
from .memo import memo_key, response_memo
from .response import shape_response
from ..infra.ratelimit import charged_run

MAX_EVENTS = 400          # as static/js/explorer/main.js asks
EMBED_ACTIONS = 2000      # a longer shared run is replayed by the client's first request instead


def plan(version: str, chapter_id: str, wanted: str | None) -> tuple[list[dict], str | None, tuple]:
    """(the scenarios the page lists, the one it runs first, what both depend on: the scenario files'
    fingerprint and the choice): the chapter's own scenarios, or all when the URL asks for another's."""
    fingerprint, listed, _errors = scenario_summaries(version)
    mine = [s for s in listed if chapter_id in s["chapters"]]
    widen = not (mine and (not wanted or any(s["id"] == wanted for s in mine)))
    scenarios = mine + [s for s in listed if s not in mine] if widen else mine
    known = wanted if wanted and any(s["id"] == wanted for s in scenarios) else None
    scenario = known or (scenarios[0]["id"] if scenarios else None)
    return scenarios, scenario, (fingerprint, widen, scenario)


def boot_data(version: str, chapter_id: str, chapters: dict | list[dict],
              digest: str | None = None) -> tuple[dict, str | None, bool]:
    """(the page's data without its run, the run's response body as JSON text or None, whether that is
    settled: the same request will get the same answer). The run body is the explorer API's own (same
    shape, same memo), so a page opened again by a class replays nothing. `digest`: the scenario file as
    the page's key names it; a run of another version of the file is not settled."""
    scenarios, scenario, _choice = plan(version, chapter_id, request.args.get("scenario"))
    boot: dict = {"scenarios": {"scenarios": scenarios}, "chapters": chapters}
    actions = request.args.get("actions", "")
    if scenario is None or len(split_actions(actions)) > min(EMBED_ACTIONS, settings().max_actions):
        return boot, None, True
    text = "; ".join(split_actions(actions))
    kinds = [k for k in KINDS if k != "insn"]
    try:
        key, _build_hash, ran = memo_key(version, scenario, text, None, MAX_EVENTS, kinds, 0)
        memo = response_memo()
        body = memo.get(key)
        if body is None:
            # A page view runs code too: charged to the client's share of emulation time like /api/run (a
            # client over its share gets the page without the run, and its own request then says 429).
            result, timed_out = charged_run(lambda: _replay(version, scenario, text, None, 0))
            body = json_dumps(shape_response(version, scenario, result, MAX_EVENTS, kinds),
                              separators=(",", ":")).encode()
            if timed_out:              # ended by the wall clock: another try may get further
                return boot, body.decode(), False
            memo.put(key, body)
    except JourneyError:
        return boot, None, False       # the client asks again and shows the error where it belongs
    return boot, body.decode(), digest is None or ran == digest


PLACEHOLDER = b"<!--mx-boot-->"           # in the page's UTF-8 bytes (pages/cache.py keeps pages as bytes)


def with_boot(html: bytes, page_key: tuple, version: str, chapter_id: str, chapters_key: tuple,
              chapters: Callable[[], dict | list[dict]]) -> bytes:
    """The cached page (which has the placeholder) with this request's boot data in place of
    machine_panel.html's placeholder. The JSON is a data block, not script (CSP script-src 'self'
    governs code), escaped as Jinja's tojson does.

    The whole page is kept once made (boot_page_cache), keyed by everything its boot data follows from:
    the page, the chapter index, the scenario files (their fingerprint), the scenario chosen and its file's
    digest (the listing and each file are re-read on clocks of their own: the run must be of the file the
    key names), the actions and the settings that bound the run. So a chapter view is a lookup, like a plain
    chapter's. Nothing in it is per client: the page has no nonce or CSRF token (CSP allows 'self' scripts
    only)."""
    _scenarios, _scenario, choice = plan(version, chapter_id, request.args.get("scenario"))
    limits = settings()
    digest = _digest(version, choice[2])
    key = (page_key, chapters_key, choice, digest, canonical(request.args.get("actions", "")), limits.insn_budget,
           limits.max_actions)
    cache = boot_page_cache()
    found = cache.find(key)
    if found is not None:
        return found
    data, run, settled = boot_data(version, chapter_id, chapters(), digest)
    text = json_dumps(data, separators=(",", ":"))[:-1] + ',"run":' + (run or "null") + "}"
    block = Markup('<script type="application/json" id="mx-boot">{}</script>').format(Markup(_html_safe(text)))
    page = html.replace(PLACEHOLDER, str(block).encode(), 1)
    if settled:
        cache.put(key, page)
    sending_cached(cache.identity(key) if settled else None)
    return page


def _digest(version: str, scenario: str | None) -> str | None:
    if scenario is None:
        return None
    try:
        return load_scenario(catalog().content_root, version, scenario).digest
    except JourneyError:                # broken since it was listed: boot_data says so, and keeps nothing
        return None


def _html_safe(json_text: str) -> str:
    # The same escaping as Jinja's |tojson: <, >, & and ' as \u sequences, so no text can close the element
    # (these characters occur only inside JSON strings, so replacing them in the text keeps it valid JSON).
    return (json_text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("'", "\\u0027"))
