"""Reads lab TOML files into Lab values, reporting every problem with file, line and field.

Layers: TOML syntax → JSON Schema (lab.schema.json) → checks language → content (versions, scenarios,
lines, labels). Owns no grading; `journey lab validate` and the web layer both call `read_lab`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from functools import lru_cache
from pathlib import Path

import jsonschema

from .checks import CheckSyntaxError, Expectation
from .context import LabContext
from .model import Check, Editable, Hint, Lab, Question
from .problems import LabInvalid, Problem, field_name
from .semantics import content_problems
from .vocabulary import SCHEMA_ENUMS
from .toml_lines import key_lines, line_of

SCHEMA_PATH = Path(__file__).with_name("lab.schema.json")
MAX_LAB_BYTES = 256 * 1024
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@lru_cache(maxsize=1)
def schema() -> dict:
    """lab.schema.json with the enumerations of the vocabulary's `$defs` filled in from the core."""
    loaded = json.loads(SCHEMA_PATH.read_text())
    for name, names in SCHEMA_ENUMS.items():
        loaded["$defs"][name]["enum"] = list(names)
    return loaded


def read_lab(path: Path | str, context: LabContext) -> tuple[Lab | None, list[Problem]]:
    """(the Lab, []) or (None, every problem found); never raises for a bad file."""
    path = Path(path)
    name = _display(path, context)

    def problem(where: tuple, message: str, line: int | None = None) -> Problem:
        # a key missing from the top level has no line of its own: it belongs to the whole file (line 1)
        found = line if line is not None else (line_of(lines, where) or 1)
        return Problem(name, found, field_name(where), message)

    lines: dict = {}
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, None, "(file)", f"cannot read: {exc.strerror or exc}")]
    if len(raw) > MAX_LAB_BYTES:
        return None, [Problem(name, None, "(file)", f"larger than {MAX_LAB_BYTES} bytes")]
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        return None, [Problem(name, raw.count(b"\n", 0, exc.start) + 1, "(file)", "not UTF-8 text")]
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        message = _TOML_POSITION.sub("", str(exc))
        return None, [Problem(name, int(match.group(1)) if match else None, "(syntax)",
                              f"TOML syntax error: {message}" + (f" (column {match.group(2)})" if match else ""))]
    lines = key_lines(text)

    problems: list[Problem] = []
    expectations: dict[int, Expectation] = {}
    bad_expect: set[int] = set()
    for index, check in enumerate(data.get("checks") or []):
        if isinstance(check, dict) and "expect" in check:
            try:
                expectations[index] = Expectation.from_toml(check["expect"], ("checks", index, "expect"))
            except CheckSyntaxError as exc:
                bad_expect.add(index)
                problems.append(problem(exc.path, exc.message))
    for error in _schema_errors(data):
        where = tuple(error.absolute_path)
        if len(where) >= 3 and where[0] == "checks" and where[2] == "expect" and (
                where[1] in bad_expect or where[1] in expectations):
            continue  # the checks parser speaks more precisely about expectations
        for where_key, message in _explain(error, where):
            problems.append(problem(where_key, message))
    if not isinstance(data.get("id"), str) or data.get("id") != path.stem:
        if isinstance(data.get("id"), str):
            problems.append(problem(("id",), f"id {data['id']!r} must equal the file name {path.stem!r}"))
    problems += [problem(where, message) for where, message in content_problems(data, expectations, context)]
    problems = _unique(problems)
    if problems:
        return None, sorted(problems, key=lambda p: (p.line or 0, p.field))
    return _build(data, expectations, context, path, raw), []


def load_lab(path: Path | str, context: LabContext) -> Lab:
    """The Lab in `path`, or LabInvalid listing every problem."""
    lab, problems = read_lab(path, context)
    if lab is None:
        raise LabInvalid(_display(Path(path), context), problems)
    return lab


def lab_paths(content_root: Path | str) -> list[Path]:
    folder = Path(content_root) / "labs"
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def load_labs(context: LabContext) -> tuple[dict[str, Lab], list[Problem]]:
    """Every valid lab of the content root by id, and the problems of the others."""
    labs: dict[str, Lab] = {}
    problems: list[Problem] = []
    for path in lab_paths(context.content_root):
        lab, found = read_lab(path, context)
        problems += found
        if lab is not None:
            labs[lab.id] = lab
    return labs, problems


def validate(paths: list[Path | str], context: LabContext) -> list[Problem]:
    """Every problem of every file, in file then line order."""
    out: list[Problem] = []
    for path in paths:
        out += read_lab(path, context)[1]
    return out


# --- internals ------------------------------------------------------------------------------------

def _schema_errors(data: dict):
    validator = jsonschema.Draft202012Validator(schema())
    return sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])


def _explain(error, where: tuple) -> list[tuple[tuple, str]]:
    """Schema errors in a reader's words, pointed at the key they are about."""
    if error.validator == "required":
        missing = [k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance]
        return [(where + (k,), f"missing required field {k!r}") for k in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        return [(where + (k,), f"unknown field {k!r}; known: {', '.join(sorted(known))}")
                for k in error.instance if k not in known]
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return [(where + tuple(best.relative_path), best.message)]
    return [(where, error.message)]


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.field, p.message) not in seen:
            seen.add((p.line, p.field, p.message))
            out.append(p)
    return out


def _display(path: Path, context: LabContext) -> str:
    try:
        return path.resolve().relative_to(context.content_root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _build(data: dict, expectations: dict, context: LabContext, path: Path, raw: bytes) -> Lab:
    version = data.get("version") or context.default_version()
    assert isinstance(version, str)             # content_problems() refused a lab with no kernel version
    editable = None
    if "editable" in data:
        spec = data["editable"]
        source = context.source_lines(version, spec["file"]) or []
        from .semantics import editable_lines
        numbers = editable_lines(spec, source)
        editable = Editable(spec["file"], tuple(numbers), tuple(spec.get("labels", ())),
                            spec.get("max_edited_lines", 8), tuple((n, source[n - 1]) for n in numbers))
    checks = tuple(
        Check(n=i + 1, id=c["id"], text=c["text"], points=c["points"], hidden=c.get("hidden", False),
              chapter=c.get("chapter"), expect=expectations[i], on_fail=c.get("on_fail"))
        for i, c in enumerate(data["checks"]))
    hints = tuple(Hint(i + 1, h["text"], h.get("after", i + 1)) for i, h in enumerate(data.get("hints", ())))
    questions = tuple(Question(q["id"], q["prompt"], q.get("kind", "number"), tuple(q.get("choices", ())))
                      for q in data.get("questions", ()))
    return Lab(id=data["id"], title=data["title"], version=version, scenario=data["scenario"],
               chapters=tuple(data.get("chapters", ())), instructions=data["instructions"], checks=checks,
               hints=hints, questions=questions, editable=editable, setup=data.get("setup", ""),
               finish=data.get("finish", ""), student_actions=data.get("student_actions", True),
               max_actions=data.get("max_actions", 200), insn_budget=data.get("insn_budget"),
               path=str(path), scenario_title=data.get("scenario_title", ""),
               scenario_description=data.get("scenario_description", ""), digest=hashlib.sha256(raw).hexdigest())
