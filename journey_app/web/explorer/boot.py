"""The live machine's first moment, rendered into the chapter page: the scenarios for the chapter, the chapter
index that event links need, and the replay the page's URL asks for, so the machine is ready at first paint
instead of after four requests. Only assembles what the explorer API would answer; never fails the page.
"""

from __future__ import annotations

from flask import request
from flask.json import dumps as json_dumps
from markupsafe import Markup

from ...errors import JourneyError
from ...runs.events import KINDS
from ...runs.actions import split_actions
from ..infra.context import settings
from .api import _replay, _scenario_list
from .memo import memo_key, response_memo
from .response import shape_response
from ..infra.ratelimit import charged_run

MAX_EVENTS = 400          # as static/js/explorer/main.js asks
EMBED_ACTIONS = 2000      # a longer shared run is replayed by the client's first request instead


def boot_data(version: str, chapter_id: str, chapters: list[dict]) -> tuple[dict, str | None]:
    """(the page's data without its run, the run's response body as JSON text or None). The run body is the
    explorer API's own (same shape, same memo), so a page opened again by a class replays nothing."""
    listed, _errors = _scenario_list(version)
    mine = [s for s in listed if chapter_id in s["chapters"]]
    wanted = request.args.get("scenario")
    scenarios = mine if mine and (not wanted or any(s["id"] == wanted for s in mine)) else \
        mine + [s for s in listed if s not in mine]
    boot: dict = {"scenarios": {"scenarios": scenarios}, "chapters": chapters}
    known = wanted if wanted and any(s["id"] == wanted for s in scenarios) else None
    scenario = known or (scenarios[0]["id"] if scenarios else None)
    actions = request.args.get("actions", "")
    if scenario is None or len(split_actions(actions)) > min(EMBED_ACTIONS, settings().max_actions):
        return boot, None
    text = "; ".join(split_actions(actions))
    kinds = [k for k in KINDS if k != "insn"]
    try:
        key, _build_hash, _digest = memo_key(version, scenario, text, None, MAX_EVENTS, kinds, 0)
        memo = response_memo()
        body = memo.get(key)
        if body is None:
            # A page view runs code too: charged to the client's share of emulation time like /api/run (a
            # client over its share gets the page without the run, and its own request then says 429).
            result, timed_out = charged_run(lambda: _replay(version, scenario, text, None, 0))
            body = json_dumps(shape_response(version, scenario, result, MAX_EVENTS, kinds),
                              separators=(",", ":")).encode()
            if not timed_out:          # ended by the wall clock: another try may get further
                memo.put(key, body)
    except JourneyError:
        return boot, None              # the client asks again and shows the error where it belongs
    return boot, body.decode()


PLACEHOLDER = "<!--mx-boot-->"


def with_boot(html: str, version: str, chapter_id: str, chapters: list[dict]) -> str:
    """The cached page with this request's boot data in place of machine_panel.html's placeholder. The
    JSON is a data block, not script (CSP script-src 'self' governs code), escaped as Jinja's tojson does."""
    if PLACEHOLDER not in html:
        return html
    data, run = boot_data(version, chapter_id, chapters)
    text = json_dumps(data, separators=(",", ":"))[:-1] + ',"run":' + (run or "null") + "}"
    block = Markup('<script type="application/json" id="mx-boot">{}</script>').format(Markup(_html_safe(text)))
    return html.replace(PLACEHOLDER, str(block), 1)


def _html_safe(json_text: str) -> str:
    # The same escaping as Jinja's |tojson: <, >, & and ' as \u sequences, so no text can close the element
    # (these characters occur only inside JSON strings, so replacing them in the text keeps it valid JSON).
    return (json_text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("'", "\\u0027"))
