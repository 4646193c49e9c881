"""`journey lab validate` and read_lab: every problem of a lab file, with file, line and field."""

from __future__ import annotations

import textwrap

import pytest

from journey_app.cli import main
from journey_app.labs import LabInvalid, load_lab, read_lab, validate

from .conftest import KERNEL

SCENARIO = "g033-irq-enable-pending"

GOOD = textwrap.dedent(f'''\
    id = "sample"
    title = "A sample lab"
    version = "{KERNEL}"
    scenario = "{SCENARIO}"
    chapters = ["G:033"]
    instructions = """
    Fix the test in `lg_irq_enable`.
    """
    finish = "run_until journey_done"
    student_actions = false

    [editable]
    file = "arch/x86/lguest/i386_head.S"
    lines = [78]

    [[questions]]
    id = "phys"
    prompt = "Which address?"

    [[checks]]
    id = "sent"
    text = "The Guest asks for its interrupts"
    points = 2
    chapter = "G:033"
    expect = {{hypercall = "LHCALL_SEND_INTERRUPTS"}}

    [[checks]]
    id = "window"
    text = "Nothing is delivered inside the window"
    points = 1
    hidden = true
    expect = {{no_delivery_in = ["lguest_noirq_start", "lguest_noirq_end"]}}

    [[checks]]
    id = "answer"
    text = "The address"
    points = 1
    expect = {{answer = "phys", equals = {{symbol = "lguest_data", sub = 0xC0000000}}}}

    [[hints]]
    text = "What does testl $0 compute?"
''')


def write(root, text: str, name: str = "sample"):
    path = root / "labs" / f"{name}.toml"
    path.write_text(text)
    return path


def problems_of(root, lab_context, text: str, name: str = "sample"):
    return read_lab(write(root, text, name), lab_context)[1]


def line_of(text: str, needle: str, after: str | None = None) -> int:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def test_the_good_lab_loads(scratch_root, scratch_context):
    lab = load_lab(write(scratch_root, GOOD), scratch_context)
    assert lab.id == "sample" and lab.max_score == 4
    assert lab.editable.lines == (78,)
    assert lab.editable.original == ((78, "\ttestl $0, lguest_data+LGUEST_DATA_irq_pending"),)
    public = lab.to_json()
    assert public["checks"][1] == {"n": 2, "hidden": True, "points": 1, "text": "hidden check 2"}
    assert "no_delivery_in" not in str(public)
    assert "What does testl" not in str(public)


def test_unknown_scenario(scratch_root, scratch_context):
    text = GOOD.replace(f'scenario = "{SCENARIO}"', 'scenario = "no_such_scenario"')
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert (problem.file, problem.line, problem.field) == ("labs/sample.toml", 4, "scenario")
    assert "unknown scenario 'no_such_scenario'" in problem.message


def test_bad_check_expression(scratch_root, scratch_context):
    text = GOOD.replace('expect = {hypercall = "LHCALL_SEND_INTERRUPTS"}', 'expect = {hypercal = "LHCALL_SEND_INTERRUPTS"}')
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert problem.field == "checks[0].expect.hypercal"
    assert problem.line == line_of(text, "hypercal =")
    assert "unknown expectation 'hypercal'" in problem.message


def test_bad_rule_inside_a_nested_expression(scratch_root, scratch_context):
    text = GOOD.replace('expect = {hypercall = "LHCALL_SEND_INTERRUPTS"}',
                        'expect = {all = [\n  {status = "finished"},\n  {decision = {rule = "noirq"}},\n]}')
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert problem.field == "checks[0].expect.all[1].decision.rule"
    assert problem.line == line_of(text, 'rule = "noirq"')


def test_missing_points(scratch_root, scratch_context):
    text = GOOD.replace("points = 2\n", "")
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert problem.field == "checks[0].points"
    assert problem.line == line_of(text, "[[checks]]")
    assert problem.message == "missing required field 'points'"


def test_toml_syntax_error(scratch_root, scratch_context):
    text = GOOD.replace('title = "A sample lab"', 'title = "A sample lab')
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert (problem.line, problem.field) == (2, "(syntax)")
    assert problem.message.startswith("TOML syntax error")


def test_unknown_label_in_a_check(scratch_root, scratch_context):
    text = GOOD.replace('"lguest_noirq_end"]', '"lguest_noirq_ends"]')
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert problem.field == "checks[1].expect.no_delivery_in[1]"
    assert problem.message == "no label 'lguest_noirq_ends' in the build"


def test_editable_problems(scratch_root, scratch_context):
    text = GOOD.replace("lines = [78]", "lines = [78, 999]\nlabels = [\"lg_irq_disable\"]")
    problems = problems_of(scratch_root, scratch_context, text)
    assert [(p.field, p.line) for p in problems] == [("editable.lines[1]", line_of(text, "lines = [78, 999]")),
                                                     ("editable.labels[0]", line_of(text, "labels ="))]
    assert "outside" in problems[0].message and "no routine 'lg_irq_disable'" in problems[1].message


def test_every_problem_is_reported_at_once(scratch_root, scratch_context):
    text = (GOOD.replace('id = "sample"', 'id = "other"')
                .replace("title =", "titel =")
                .replace('id = "window"', 'id = "sent"')
                .replace('answer = "phys"', 'answer = "phis"')
                .replace("points = 1\nhidden", "points = -1\nhidden"))
    problems = problems_of(scratch_root, scratch_context, text)
    fields = [p.field for p in problems]
    assert fields == ["id", "title", "titel", "checks[1].id", "checks[1].points", "checks[2].expect.answer"]
    assert all(p.line for p in problems)
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_load_lab_raises_with_all_problems(scratch_root, scratch_context):
    path = write(scratch_root, GOOD.replace("points = 2\n", "").replace(f'scenario = "{SCENARIO}"', 'scenario = "x"'))
    with pytest.raises(LabInvalid) as info:
        load_lab(path, scratch_context)
    assert len(info.value.detail["problems"]) == 2
    assert info.value.code == "lab_invalid"


def test_validate_many_files(scratch_root, scratch_context):
    good = write(scratch_root, GOOD)
    bad = write(scratch_root, GOOD.replace('id = "sample"', 'id = "broken"').replace("points = 2", 'points = "2"'),
                "broken")
    problems = validate([good, bad], scratch_context)
    assert [(p.file, p.field) for p in problems] == [("labs/broken.toml", "checks[0].points")]


def test_cli_validate_prints_file_line_field_and_fails(scratch_root, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_CONTENT", str(scratch_root))
    monkeypatch.setenv("JOURNEY_CACHE", str(tmp_path / "cache"))
    bad = write(scratch_root, GOOD.replace("points = 2\n", ""))
    assert main(["lab", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"labs/sample.toml:{line_of(GOOD, '[[checks]]')}: checks[0].points: missing required field 'points'" in out


def test_cli_validate_succeeds_on_a_good_file(scratch_root, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_CONTENT", str(scratch_root))
    monkeypatch.setenv("JOURNEY_CACHE", str(tmp_path / "cache"))
    assert main(["lab", "validate", str(write(scratch_root, GOOD))]) == 0
    assert "1 lab file(s) valid" in capsys.readouterr().out


def test_bad_setup_actions_are_reported_by_the_runs_grammar(scratch_root, scratch_context):
    text = GOOD.replace('finish = "run_until journey_done"', 'finish = "run_until journey_done; frobnicate 3"')
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert (problem.field, problem.line) == ("finish", line_of(text, "finish ="))
    assert "unknown action 'frobnicate'" in problem.message


def test_a_lab_where_the_student_can_do_nothing(scratch_root, scratch_context):
    text = GOOD.replace("[editable]\n", "[unused]\n").replace('file = "arch/x86/lguest/i386_head.S"\nlines = [78]\n', "")
    text = text.replace("[unused]\n", "").replace('answer = "phys", equals', 'register = "eax", equals')
    text = text[:text.index("[[questions]]")] + text[text.index("[[checks]]"):]
    [problem] = problems_of(scratch_root, scratch_context, text)
    assert problem.field == "student_actions"
    assert "the student can change nothing" in problem.message
