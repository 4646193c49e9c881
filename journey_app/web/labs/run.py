"""Trying an edited source in a lab (`POST /api/labs/<id>/run`): HTTP to the labs core and back, shaped like
POST /api/run. The build is labs.grading.edited_lab_build, the run labs.replaying.try_run_json.

Owns the per-app record of edit sets built (which builds count against the rate limit); must not grade.
"""

from __future__ import annotations

import hashlib
import json

from flask import current_app

from ...caches import BoundedCache
from ...errors import BadInput
from ...labs import Lab, Submission
from ...labs.grading import changed_edits, edited_lab_build
from ...labs.replaying import try_run_json
from ..explorer.response import shape_response
from ..infra.context import catalog, settings
from ..infra.ratelimit import charged_run, limiter, this_client
from .requests import RUN_FIELDS, edits_object, events_options, reject_unknown, student_actions

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
    """Replay the lab's setup, then the student's actions, on their edited build (labs.replaying.try_run_json),
    charged against the client's emulation time, in the shape of POST /api/run."""
    reject_unknown(body, RUN_FIELDS)
    for field, want in (("scenario", lab.scenario), ("version", lab.version)):
        if field in body and body[field] != want:
            raise BadInput(f"lab {lab.id} runs {field} {want!r}", {"field": field, "expected": want})
    actions = student_actions(body)
    max_events, events_from, kinds = events_options(body)
    edits = Submission.from_json({"edits": changed_edits(lab, edits_object(body.get("edits", {})))}).edits
    build = edited_build(lab, edits) if edits else catalog().build(lab.version)
    result = charged_run(lambda: try_run_json(catalog(), lab, build, actions, settings(), events_from))
    payload = shape_response(lab.version, lab.scenario, result, max_events, kinds)
    payload.update(lab=lab.id, edited=[n for n, _ in edits],
                   build={"input_hash": build.input_hash, "edited": bool(edits)})
    return payload
