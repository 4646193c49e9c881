"""Checks a lab against its content: version, scenario, editable file/lines/labels, labels and answers used by checks.

Works on the raw TOML dict (defensively: the schema may already have failed) and yields (path, message).
"""

from __future__ import annotations

from .context import LabContext, routine_lines
from .trace import parse_number


def content_problems(data: dict, expectations: dict, context: LabContext) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    versions = context.versions()
    version = data.get("version")
    if version is None:
        version = context.default_version()
        if version is None:
            out.append((("version",), f"no kernel versions under {context.content_root / 'kernels'}"))
    elif isinstance(version, str) and version not in versions:
        out.append((("version",), f"unknown kernel version {version!r}; known: {', '.join(versions) or 'none'}"))
        version = None
    if not isinstance(version, str):
        return out

    scenario = data.get("scenario")
    known = context.scenarios(version)
    if isinstance(scenario, str) and scenario not in known:
        out.append((("scenario",), f"unknown scenario {scenario!r} for kernel {version}; "
                                   f"known: {', '.join(known) or 'none'}"))
    elif isinstance(scenario, str) and (why := context.scenario_problem(version, scenario)):
        out.append((("scenario",), f"scenario {scenario!r} cannot be used: {why}"))
    for key in ("setup", "finish"):
        if isinstance(data.get(key), str):
            out += [((key,), message) for message in action_problems(data[key])]

    out += _editable_problems(data.get("editable"), version, context)
    out += _check_problems(data, expectations, context.symbols(version))
    out += _question_problems(data.get("questions"))
    if data.get("student_actions") is False and "editable" not in data and not data.get("questions"):
        out.append((("student_actions",), "the student can change nothing: no actions, no editable lines, "
                                          "no questions"))
    return out


def editable_lines(spec: dict, source: list[str]) -> list[int]:
    """The sorted editable line numbers: `lines` plus the bodies of `labels`."""
    numbers = {n for n in spec.get("lines", ()) if isinstance(n, int) and 1 <= n <= len(source)}
    for label in spec.get("labels", ()):
        numbers.update(routine_lines(source, label) or ())
    return sorted(numbers)


def action_problems(text: str) -> list[str]:
    """Syntax errors of an action text, by the runs layer's own parser (none if it is not installed)."""
    try:
        from ..runs.actions import parse_actions
    except ImportError:
        return []
    from ..errors import JourneyError
    try:
        parse_actions(text)
    except JourneyError as exc:
        return [f"bad actions: {exc.message}"]
    return []


def _editable_problems(spec: object, version: str, context: LabContext) -> list[tuple[tuple, str]]:
    if not isinstance(spec, dict) or not isinstance(spec.get("file"), str):
        return []
    source = context.source_lines(version, spec["file"])
    if source is None:
        return [(("editable", "file"), f"no file {spec['file']!r} in kernel {version}")]
    out: list[tuple[tuple, str]] = []
    for index, number in enumerate(spec.get("lines") or ()):
        if isinstance(number, int) and not 1 <= number <= len(source):
            out.append((("editable", "lines", index), f"line {number} is outside {spec['file']} "
                                                      f"({len(source)} lines)"))
    for index, label in enumerate(spec.get("labels") or ()):
        if isinstance(label, str) and routine_lines(source, label) is None:
            out.append((("editable", "labels", index), f"no routine {label!r} in {spec['file']}"))
    if not out and not editable_lines(spec, source):
        out.append((("editable",), "no line is editable"))
    return out


def _check_problems(data: dict, expectations: dict, symbols: dict | None) -> list[tuple[tuple, str]]:
    checks = data.get("checks")
    if not isinstance(checks, list):
        return []
    out: list[tuple[tuple, str]] = []
    seen: dict[str, int] = {}
    questions = {q.get("id") for q in data.get("questions") or () if isinstance(q, dict)}
    for index, check in enumerate(checks):
        if not isinstance(check, dict):
            continue
        if isinstance(check.get("id"), str):
            if check["id"] in seen:
                out.append((("checks", index, "id"), f"duplicate check id {check['id']!r} "
                                                    f"(also checks[{seen[check['id']]}])"))
            seen.setdefault(check["id"], index)
        expectation = expectations.get(index)
        if expectation is None:
            continue
        for predicate in expectation.predicate.walk():
            for label in sorted(predicate.labels()):
                if symbols is not None and label not in symbols:
                    where = _find(expectation.source, label, ("checks", index, "expect")) or (
                        "checks", index, "expect")
                    out.append((where, f"no label {label!r} in the build"))
            for answer in sorted(predicate.answer_ids()):
                if answer not in questions:
                    where = _find(expectation.source, answer, ("checks", index, "expect")) or (
                        "checks", index, "expect")
                    out.append((where, f"answer {answer!r} is not one of the lab's questions "
                                       f"({', '.join(sorted(q for q in questions if q)) or 'none declared'})"))
    points = [c.get("points") for c in checks if isinstance(c, dict)]
    if points and all(isinstance(p, int) for p in points) and sum(p for p in points if isinstance(p, int)) <= 0:
        out.append((("checks",), "the checks give no points in all"))
    return out


def _question_problems(questions: object) -> list[tuple[tuple, str]]:
    out = []
    seen = set()
    for index, question in enumerate(questions if isinstance(questions, list) else ()):
        if not isinstance(question, dict):
            continue
        if question.get("id") in seen:
            out.append((("questions", index, "id"), f"duplicate question id {question['id']!r}"))
        seen.add(question.get("id"))
        kind = question.get("kind", "number")
        if kind == "choice" and not question.get("choices"):
            out.append((("questions", index, "kind"), "a choice question needs choices"))
        if kind != "choice" and "choices" in question:
            out.append((("questions", index, "choices"), f"choices only go with kind = \"choice\", not {kind!r}"))
    return out


def _find(node: object, text: str, path: tuple) -> tuple | None:
    """Path of the first string in `node` naming `text` (a label, maybe with +offset), else None."""
    if isinstance(node, str):
        return path if parse_number(node) is None and node.split("+")[0].split("-")[0].strip() == text else None
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found = _find(value, text, path + (key,))
        if found is not None:
            return found
    return None
