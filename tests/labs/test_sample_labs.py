"""Every sample lab, end to end against the real toolchain and replay: the model solution gets full marks,
the wrong attempt does not, with feedback naming the chapter to reread."""

from __future__ import annotations

import pytest

from journey_app.labs import Submission, find_lab, grade, lab_paths, validate

from .conftest import SUBMISSIONS

SAMPLES = ("irq-enable-fix", "noirq-window", "pending-restore-fl", "boot-hypercall", "ring-overflow", "timer-blocked")

# lab -> (ids of the visible checks the wrong attempt fails, chapters its feedback sends the student to)
WRONG = {
    "irq-enable-fix": ({"sent", "delivered"}, ["G:033", "H:205"]),
    "noirq-window": ({"deferred", "delivered-after"}, ["G:045", "H:205"]),
    "pending-restore-fl": ({"set-pending", "sent", "delivered"}, ["H:205", "G:033"]),
    "boot-hypercall": ({"stopped-early", "phys"}, ["G:020"]),
    "ring-overflow": ({"direct"}, ["G:037"]),
    "timer-blocked": ({"blocked", "not-delivered"}, ["H:205"]),
}


def graded(lab_context, settings, lab_id: str, name: str):
    lab = find_lab(lab_id, lab_context)
    return grade(lab, Submission.load(SUBMISSIONS / lab_id / f"{name}.toml"), lab_context.catalog, settings=settings)


def test_the_bundled_labs_are_the_samples_and_valid(content_root, lab_context):
    paths = lab_paths(content_root)
    assert sorted(p.stem for p in paths) == sorted(SAMPLES)
    assert validate(paths, lab_context) == []


@pytest.mark.parametrize("lab_id", SAMPLES)
def test_model_solution_gets_full_marks(lab_context, settings, lab_id):
    result = graded(lab_context, settings, lab_id, "solution")
    assert [c.check.id for c in result.checks if not c.passed] == []
    assert result.score == result.max_score > 0
    assert result.to_json()["summary"] == f"All checks passed: {result.max_score}/{result.max_score}."


@pytest.mark.parametrize("lab_id", SAMPLES)
def test_wrong_attempt_is_marked_down_and_told_what_to_reread(lab_context, settings, lab_id):
    failed_ids, chapters = WRONG[lab_id]
    result = graded(lab_context, settings, lab_id, "wrong")
    assert result.score < result.max_score
    assert {c.check.id for c in result.checks if not c.passed and not c.check.hidden} == failed_ids
    assert result.reread == chapters
    as_json = result.to_json()
    assert as_json["summary"] == f"Score {result.score}/{result.max_score}. Reread {', '.join(chapters)}."
    for check in as_json["checks"]:
        if not check["passed"] and not check["hidden"]:
            assert check["feedback"].endswith(f"Reread {check['chapter']}.")


def test_irq_enable_fix_feedback_explains_the_missing_hypercall(lab_context, settings):
    result = graded(lab_context, settings, "irq-enable-fix", "wrong")
    sent = next(c for c in result.to_json()["checks"] if c.get("id") == "sent")
    assert sent["detail"] == "no LHCALL_SEND_INTERRUPTS hypercall (no hypercall was made)"
    assert "The jnz after line 78 never branched" in sent["feedback"]


def test_irq_enable_fix_clobbering_eax_fails_only_a_hidden_check(lab_context, settings):
    result = graded(lab_context, settings, "irq-enable-fix", "clobbers-eax")
    failed = [c for c in result.to_json()["checks"] if not c["passed"]]
    assert failed == [{"n": 4, "hidden": True, "passed": False, "points": 1, "earned": 0,
                       "text": "hidden check 4", "feedback": "hidden check 4 failed"}]
    assert result.reread == []


def test_noirq_window_wrong_attempt_names_the_decisions_seen(lab_context, settings):
    result = graded(lab_context, settings, "noirq-window", "wrong")
    deferred = next(c for c in result.to_json()["checks"] if c.get("id") == "deferred")
    assert "host decisions: irqs_disabled→set_pending, deliver→deliver" in deferred["detail"]


def test_boot_hypercall_answer_feedback_does_not_give_the_answer_away(lab_context, settings):
    result = graded(lab_context, settings, "boot-hypercall", "wrong")
    phys = next(c for c in result.to_json()["checks"] if c.get("id") == "phys")
    assert phys["detail"] == "your answer for 'lguest_data_phys' is '0xc0101000'"
    lguest_data = lab_context.catalog.build("2.6.31").symbols["lguest_data"].address
    assert f"{lguest_data - 0xC0000000:#x}" not in str(result.to_json())


def test_model_answers_match_the_build(lab_context):
    """The boot lab's model answer is the build's own lguest_data - __PAGE_OFFSET."""
    answers = dict(Submission.load(SUBMISSIONS / "boot-hypercall" / "solution.toml").answers)
    lguest_data = lab_context.catalog.build("2.6.31").symbols["lguest_data"].address
    assert int(answers["lguest_data_phys"], 16) == lguest_data - 0xC0000000
