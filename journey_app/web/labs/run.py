"""Trying an edited source in a lab (`POST /api/labs/<id>/run`): the sandboxed build of the student's edits,
and the replay of the lab's setup plus their actions, shaped like POST /api/run.

Owns the per-app record of edit sets built (which builds count against the rate limit); must not grade.
"""

from __future__ import annotations

import hashlib
import json

from flask import current_app

from ...caches import BoundedCache
from ...errors import BadInput
from ...labs import Lab, Submission
from ...labs.grading import edited_lab_build
from ...labs.replaying import lab_settings
from ...runs import Run, replay, split_actions
from ..infra.context import catalog, settings
from ..explorer.response import shape_response
from .requests import RUN_FIELDS, changed_edits, edits_object, events_options, reject_unknown, student_actions
from ..infra.ratelimit import charged_run, limiter, this_client

BUILT_KEY = "journey.labs.built"


def _edit_key(lab: Lab, edits) -> str:
    assert lab.editable is not None             # only labs with editable lines take edits
    return hashlib.sha256(json.dumps([lab.version, lab.editable.file, list(edits)]).encode()).hexdigest()


def _built() -> BoundedCache[str, bool]:
    """The edit sets this process has built (their builds are the build store's to keep)."""
    found = current_app.extensions.get(BUILT_KEY)
    if found is None:
        found = current_app.extensions[BUILT_KEY] = BoundedCache("web.lab_builds", 512 * 128, max_entries=512,
                                                                 sizeof=lambda key, value: 128)
    return found


def edited_build(lab: Lab, edits):
    """The lab's build with the student's edits, through the sandbox.

    Builds count against the client's rate limit, except an edit set already built here (the build
    cache answers it without running a tool): stepping the machine on "my version" stays free."""
    if lab.editable is None:
        return edited_lab_build(catalog(), lab, edits)       # SandboxRefused: nothing to edit
    key = _edit_key(lab, edits)
    built = _built()
    if key not in built:
        limiter().check("grade", this_client())
    build = edited_lab_build(catalog(), lab, edits)
    built.put(key, True)
    return build


def run_json(lab: Lab, body: dict) -> dict:
    """Replay the lab's scenario: its setup, then the student's actions, on their edited build.

    The answer has the shape of POST /api/run, with action indices counted from the student's first
    action (the setup's events are action -1, like a scenario's own set-up), so the explorer can
    render it unchanged."""
    reject_unknown(body, RUN_FIELDS)
    for field, want in (("scenario", lab.scenario), ("version", lab.version)):
        if field in body and body[field] != want:
            raise BadInput(f"lab {lab.id} runs {field} {want!r}", {"field": field, "expected": want})
    actions = student_actions(body)
    max_events, events_from, kinds = events_options(body)
    edits = Submission.from_json({"edits": changed_edits(lab, edits_object(body.get("edits", {})))}).edits
    build = edited_build(lab, edits) if edits else catalog().build(lab.version)
    run_settings = lab_settings(lab, settings())
    setup = len(split_actions(lab.setup))
    text = "\n".join(part for part in (lab.setup.strip(), actions.strip()) if part)
    result = charged_run(lambda: replay(Run(lab.version, lab.scenario, text), catalog=catalog(), settings=run_settings,
                                        build=build, events_from=setup + events_from if events_from else 0).to_json())
    for event in result["events"]:
        index = event.get("action_index")
        if isinstance(index, int):
            event["action_index"] = index - setup if index >= setup else -1
    result["actions"] = result["actions"][setup:]
    result["events_from"] = events_from
    payload = shape_response(lab.version, lab.scenario, result, max_events, kinds)
    payload.update(lab=lab.id, edited=[n for n, _ in edits],
                   build={"input_hash": build.input_hash, "edited": bool(edits)})
    return payload
