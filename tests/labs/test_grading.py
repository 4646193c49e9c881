"""Grading: deterministic, bounded, refuses what a lab does not allow, hides hidden checks; the CLI over it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from journey_app.cli import main
from journey_app.errors import BadInput, SandboxRefused
from journey_app.labs import Submission, find_lab, grade
from journey_app.labs.store import SubmissionStore

from .conftest import SUBMISSIONS

ROOT = SUBMISSIONS.parents[2]


def lab(lab_context, lab_id="irq-enable-fix"):
    return find_lab(lab_id, lab_context)


def edit(text: str, line: int = 78) -> Submission:
    return Submission.from_json({"edits": [{"line": line, "text": text}]})


# --- determinism ----------------------------------------------------------------------------------

def test_same_submission_same_grade(lab_context, settings):
    submission = Submission.load(SUBMISSIONS / "noirq-window" / "solution.toml")
    first = grade(lab(lab_context, "noirq-window"), submission, lab_context.catalog, settings=settings).to_json()
    second = grade(lab(lab_context, "noirq-window"), submission, lab_context.catalog, settings=settings).to_json()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_same_grade_from_fresh_processes(tmp_path):
    def cli_grade() -> str:
        env = {**os.environ, "JOURNEY_CACHE": str(tmp_path / "cache")}
        proc = subprocess.run([sys.executable, "-m", "journey_app.cli", "lab", "grade", "irq-enable-fix",
                               str(SUBMISSIONS / "irq-enable-fix" / "solution.toml"), "--json"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    first = cli_grade()   # builds the edited source
    second = cli_grade()  # finds it in the on-disk cache
    assert first == second
    assert json.loads(first)["score"] == json.loads(first)["max_score"]


# --- edits ----------------------------------------------------------------------------------------

def test_edit_that_does_not_assemble_is_graded_zero_with_the_line(lab_context, settings):
    result = grade(lab(lab_context), edit("\tcmpl $0 lguest_data"), lab_context.catalog, settings=settings).to_json()
    assert result["outcome"] == "build_error"
    assert result["score"] == 0
    assert result["build_errors"][0]["line"] == 78 and result["build_errors"][0]["yours"]
    assert result["summary"] == "Your edit does not build (line 78); score 0/8."     # the message is said once,
    assert result["build_errors"][0]["message"].startswith("Error:")                  # in build_errors
    assert all(c["detail"] == "not run: the edited source does not build" for c in result["checks"] if not c["hidden"])


def test_hostile_edit_is_refused_and_the_grader_keeps_serving(lab_context, settings):
    with pytest.raises(SandboxRefused) as info:
        grade(lab(lab_context), edit('\t.incbin "/etc/passwd"'), lab_context.catalog, settings=settings)
    assert info.value.detail["line"] == 78
    assert info.value.detail["reason"].startswith(".incbin is not allowed in edited lines")
    good = Submission.load(SUBMISSIONS / "irq-enable-fix" / "solution.toml")
    assert grade(lab(lab_context), good, lab_context.catalog, settings=settings).score == lab(lab_context).max_score


def test_edit_outside_the_editable_lines_is_refused(lab_context, settings):
    with pytest.raises(SandboxRefused) as info:
        grade(lab(lab_context), edit("\tnop", line=79), lab_context.catalog, settings=settings)
    assert info.value.detail["line"] == 79
    assert "editable: 78" in info.value.detail["reason"]


def test_edits_in_an_actions_lab_are_refused(lab_context, settings):
    with pytest.raises(SandboxRefused):
        grade(lab(lab_context, "noirq-window"), edit("\tnop"), lab_context.catalog, settings=settings)


def test_infinite_loop_ends_in_the_budget_not_a_hang(lab_context, settings):
    started = time.monotonic()
    result = grade(lab(lab_context), edit("1: jmp 1b"), lab_context.catalog, settings=settings)
    assert time.monotonic() - started < 20
    assert result.run["status"] == "budget"
    assert "budget of 20000 instructions" in result.run["reason"]
    finished = next(c for c in result.checks if c.check.id == "finished")
    assert not finished.passed and "ended 'budget'" in finished.detail


# --- what a lab allows ----------------------------------------------------------------------------

def test_actions_in_an_edit_only_lab_are_refused(lab_context, settings):
    with pytest.raises(BadInput) as info:
        grade(lab(lab_context), Submission(actions="step 3"), lab_context.catalog, settings=settings)
    assert "takes no actions" in info.value.message


def test_too_many_actions_are_refused(lab_context, settings):
    with pytest.raises(BadInput) as info:
        grade(lab(lab_context, "noirq-window"), Submission(actions="step; " * 41), lab_context.catalog, settings=settings)
    assert "at most 40" in info.value.message


def test_unknown_question_is_refused(lab_context, settings):
    with pytest.raises(BadInput):
        grade(lab(lab_context, "boot-hypercall"), Submission(answers=(("color", "blue"),)), lab_context.catalog,
              settings=settings)


def test_bad_action_text_is_a_bad_input_naming_the_word(lab_context, settings):
    with pytest.raises(BadInput) as info:
        grade(lab(lab_context, "noirq-window"), Submission(actions="run_until nowhere_at_all"), lab_context.catalog,
              settings=settings)
    assert "nowhere_at_all" in info.value.message


# --- the student's view ---------------------------------------------------------------------------

def test_public_lab_view_hides_hidden_checks_and_hint_text(lab_context):
    public = lab(lab_context).to_json()
    hidden = [c for c in public["checks"] if c["hidden"]]
    assert hidden == [{"n": 4, "hidden": True, "points": 1, "text": "hidden check 4"},
                      {"n": 5, "hidden": True, "points": 1, "text": "hidden check 5"}]
    assert "expect" not in json.dumps(public)
    assert public["hints"] == [{"n": 1, "after": 1}, {"n": 2, "after": 2}, {"n": 3, "after": 3}]
    assert public["editable"]["original"] == [{"line": 78, "text": "\ttestl $0, lguest_data+LGUEST_DATA_irq_pending"}]
    instructor = lab(lab_context).to_json(instructor=True)
    assert instructor["checks"][3]["expect"] == {"register": "eax", "equals": 0x1234, "at": "journey_done"}


def test_hints_open_progressively(lab_context):
    the_lab = lab(lab_context)
    assert the_lab.hints_revealed(0) == []
    assert [h.n for h in the_lab.hints_revealed(1)] == [1]
    assert [h.n for h in the_lab.hints_revealed(0, requested=2)] == [1, 2]
    assert [h.n for h in the_lab.hints_revealed(5)] == [1, 2, 3]


def test_grade_json_never_shows_hidden_check_text(lab_context, settings):
    result = grade(lab(lab_context), Submission.load(SUBMISSIONS / "irq-enable-fix" / "wrong.toml"), lab_context.catalog,
                   settings=settings).to_json()
    text = json.dumps(result)
    assert "exactly one SEND_INTERRUPTS" not in text and "eax is preserved" not in text
    assert "hidden check 5 failed" in text


# --- the CLI --------------------------------------------------------------------------------------

@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("JOURNEY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DATABASE_URL", db)
    return db


def test_cli_grade_text_and_exit_status(cli_env, capsys):
    assert main(["lab", "grade", "irq-enable-fix", str(SUBMISSIONS / "irq-enable-fix" / "solution.toml")]) == 0
    assert "irq-enable-fix: All checks passed: 8/8." in capsys.readouterr().out
    assert main(["lab", "grade", "irq-enable-fix", str(SUBMISSIONS / "irq-enable-fix" / "wrong.toml")]) == 1
    out = capsys.readouterr().out
    assert "Score 2/8. Reread G:033, H:205." in out
    assert "✗ [0/1] hidden check 5 failed" in out


def test_cli_grade_records_and_exports(cli_env, capsys):
    for name in ("wrong", "solution"):
        main(["lab", "grade", "noirq-window", str(SUBMISSIONS / "noirq-window" / f"{name}.toml"), "--student", "ada"])
    capsys.readouterr()
    store = SubmissionStore(cli_env)
    assert [s.score for s in store.submissions(student="ada")] == [5, 1]
    assert main(["lab", "export"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "student,lab,best_score,max_score,attempts,last_submitted_utc"
    assert rows[1].startswith("ada,noirq-window,5,5,2,")


def test_cli_refusal_exits_2_with_the_line(cli_env, tmp_path, capsys):
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps({"edits": {"78": ".rept 100000000"}}))
    assert main(["lab", "grade", "irq-enable-fix", str(hostile), "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["code"] == "sandbox_refused"
    assert error["detail"] == {"line": 78, "reason": ".rept repeats 100000000 times; at most 64 are allowed"}


def test_cli_list(cli_env, capsys):
    assert main(["lab", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [lab["id"] for lab in listed["labs"]] == ["boot-hypercall", "irq-enable-fix", "noirq-window",
                                                    "pending-restore-fl", "ring-overflow", "timer-blocked"]
    assert listed["problems"] == []
    assert main(["lab", "list"]) == 0
    assert "irq-enable-fix" in capsys.readouterr().out


# --- the grade memo -------------------------------------------------------------------------------

def test_a_repeated_submission_is_graded_once_and_an_edited_lab_or_scenario_grades_again(scratch_root, settings):
    """The same submission of the same lab on the same build, scenario and settings is answered from the
    memo (same JSON); editing the lab file or the scenario file grades afresh, as do other settings."""
    import dataclasses
    import shutil

    from journey_app.catalog import Catalog
    from journey_app.labs import LabContext
    from journey_app.labs import grading
    from journey_app.runs.scenarios import scenario_library

    lab_file = scratch_root / "labs" / "pending-restore-fl.toml"
    shutil.copy(settings.content_root / "labs" / lab_file.name, lab_file)
    scenario = scratch_root / "scenarios" / "2.6.31" / "g033-restore-fl-pending.toml"
    text = scenario.read_text()
    scenario.unlink()                     # a copy of our own instead of the link to the bundled file
    scenario.write_text(text)
    mine = dataclasses.replace(settings, content_root=scratch_root)
    context = LabContext(scratch_root, Catalog(mine))
    submission = Submission.load(SUBMISSIONS / "pending-restore-fl" / "solution.toml")

    def graded(run_settings=mine) -> tuple[dict, int]:
        before = grading._GRADES.hits
        result = grade(find_lab("pending-restore-fl", context), submission, context.catalog,
                       settings=run_settings).to_json()
        return result, grading._GRADES.hits - before

    first, hit = graded()
    assert first["passed"] and hit == 0
    again, hit = graded()
    assert again == first and hit == 1
    lab_file.write_text(lab_file.read_text().replace("points = 2", "points = 3", 1))
    relabelled, hit = graded()
    assert hit == 0 and relabelled["max_score"] == first["max_score"] + 1 and relabelled["passed"]
    scenario_library(scratch_root).recheck = 0    # a file is trusted for a second before it is stat'ed again
    scenario.write_text(text + "\n# an instructor's note\n")
    _, hit = graded()
    assert hit == 0
    _, hit = graded(dataclasses.replace(mine, insn_budget=mine.insn_budget + 1))
    assert hit == 0
