"""A student's submission: actions text, replaced source lines and answers, from JSON or TOML, size-bounded.

Owns the canonical form (and its digest: same submission, same grade); the sandbox checks line content.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, TooLarge

MAX_SUBMISSION_BYTES = 64 * 1024
MAX_ANSWER_CHARS = 200
KEYS = ("actions", "edits", "answers")


@dataclass(frozen=True)
class Submission:
    actions: str = ""
    edits: tuple[tuple[int, str], ...] = ()     # (line, replacement text), sorted by line
    answers: tuple[tuple[str, str], ...] = ()   # (question id, answer text), sorted by id

    @classmethod
    def from_json(cls, obj: object) -> Submission:
        """From {"actions": "...", "edits": [{"line": 78, "text": "..."}] or {"78": "..."}, "answers": {...}}."""
        if not isinstance(obj, dict):
            raise BadInput("a submission is an object with actions, edits and/or answers", None)
        unknown = sorted(set(obj) - set(KEYS))
        if unknown:
            raise BadInput(f"unknown submission field {unknown[0]!r}; known: {', '.join(KEYS)}",
                           {"field": unknown[0]})
        actions = obj.get("actions", "")
        if not isinstance(actions, str):
            raise BadInput("actions is a text like \"step 3; raise_irq 1; host_check\"", {"field": "actions"})
        submission = cls(actions, _edits(obj.get("edits", ())), _answers(obj.get("answers", {})))
        size = len(json.dumps(submission.to_json()).encode())
        if size > MAX_SUBMISSION_BYTES:
            raise TooLarge(f"the submission is {size} bytes; the limit is {MAX_SUBMISSION_BYTES}",
                           {"size": size, "limit": MAX_SUBMISSION_BYTES})
        return submission

    @classmethod
    def from_text(cls, text: str | bytes, kind: str = "json") -> Submission:
        if len(text) > MAX_SUBMISSION_BYTES:
            raise TooLarge(f"the submission is {len(text)} bytes; the limit is {MAX_SUBMISSION_BYTES}",
                           {"size": len(text), "limit": MAX_SUBMISSION_BYTES})
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadInput("the submission is not UTF-8 text", None) from exc
        try:
            data = tomllib.loads(text) if kind == "toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, ValueError) as exc:
            raise BadInput(f"the submission is not valid {kind.upper()}: {exc}", None) from exc
        return cls.from_json(data)

    @classmethod
    def load(cls, path: Path | str) -> Submission:
        """A .toml or .json file; its size is checked before it is read."""
        path = Path(path)
        size = path.stat().st_size
        if size > MAX_SUBMISSION_BYTES:
            raise TooLarge(f"{path} is {size} bytes; the limit is {MAX_SUBMISSION_BYTES}",
                           {"size": size, "limit": MAX_SUBMISSION_BYTES})
        return cls.from_text(path.read_bytes(), "toml" if path.suffix == ".toml" else "json")

    def to_json(self) -> dict:
        return {"actions": self.actions, "edits": [{"line": n, "text": t} for n, t in self.edits],
                "answers": dict(self.answers)}

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()


def _edits(spec: object) -> tuple[tuple[int, str], ...]:
    if isinstance(spec, dict):
        items = []
        for key, text in spec.items():
            if not str(key).isdigit():
                raise BadInput(f"edit key {key!r} is not a line number", {"field": "edits"})
            items.append({"line": int(key), "text": text})
        spec = items
    if not isinstance(spec, (list, tuple)):
        raise BadInput("edits is a list of {line, text} (or a table line = text)", {"field": "edits"})
    out: dict[int, str] = {}
    for index, item in enumerate(spec):
        if not isinstance(item, dict) or set(item) != {"line", "text"}:
            raise BadInput(f"edit {index + 1} must have exactly line and text", {"field": f"edits[{index}]"})
        line, text = item["line"], item["text"]
        if isinstance(line, bool) or not isinstance(line, int) or line < 1 or not isinstance(text, str):
            raise BadInput(f"edit {index + 1}: line is a number from 1 and text is a string",
                           {"field": f"edits[{index}]"})
        if line in out:
            raise BadInput(f"line {line} is edited twice", {"field": f"edits[{index}]", "line": line})
        out[line] = text
    return tuple(sorted(out.items()))


def _answers(spec: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(spec, dict):
        raise BadInput("answers is a table: question id = answer", {"field": "answers"})
    out = {}
    for key, value in spec.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise BadInput(f"answer {key!r} must be text or a number", {"field": f"answers.{key}"})
        text = str(value)
        if len(text) > MAX_ANSWER_CHARS:
            raise TooLarge(f"answer {key!r} is longer than {MAX_ANSWER_CHARS} characters", {"field": f"answers.{key}"})
        out[str(key)] = text
    return tuple(sorted(out.items()))
