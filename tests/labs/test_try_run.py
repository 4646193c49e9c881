"""The lab page's try-run and edit diff, in the labs core (the web route only shapes and charges them)."""

from __future__ import annotations

from journey_app.labs import find_lab
from journey_app.labs.grading import changed_edits
from journey_app.labs.replaying import try_run_json


def test_try_run_counts_actions_from_the_students_first(lab_context, settings):
    lab = find_lab("irq-enable-fix", lab_context)                  # setup = "set eax 0x1234"
    result = try_run_json(lab_context.catalog, lab, lab_context.catalog.build(lab.version), "step; step", settings)
    assert result["actions"] == ["step", "step"]               # the setup is not the student's
    indices = [e["action_index"] for e in result["events"] if e["kind"] == "action"]
    assert indices == [-1, 0, 1]                                # the setup's events are action -1
    assert result["state"]["registers"]["eax"] == 0x1234 and result["state"]["insn_count"] == 2
    later = try_run_json(lab_context.catalog, lab, lab_context.catalog.build(lab.version), "step; step", settings, 1)
    assert later["events_from"] == 1
    assert {e["action_index"] for e in later["events"] if isinstance(e.get("action_index"), int)} == {1}


def test_only_changed_lines_are_edits(lab_context):
    lab = find_lab("irq-enable-fix", lab_context)
    (line, shipped), = lab.editable.original
    assert changed_edits(lab, {str(line): shipped}) == {}
    assert changed_edits(lab, {f"0{line}": "\tnop"}) == {f"0{line}": "\tnop"}
    assert changed_edits(lab, {"1": "anything"}) == {"1": "anything"}  # not editable: the sandbox refuses it later
