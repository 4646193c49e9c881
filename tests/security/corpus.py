"""The hostile corpus as data: tests/security/corpus/*.json, one list of cases per file, turned into HTTP
requests here. Other parts of the site add their own inputs by adding cases (a JSON file or entries in
one); nothing in the runner needs to change.

A case: {"id", "why", one request form, "expect"}. Request forms:
  "method"/"path" with "json", "body" (text), "body_hex", "form" (urlencoded) and "headers";
  "lab_edit": {"<line>": text}      POST /api/labs/irq-enable-fix/run {"edits": ...}
  "source_edit": {"<line>": text}   POST /api/run with the kernel file's lines replaced (any line)
  "source_edit_file": {"file": path, "lines": {"<line>": text}}   the same for another file of the version
  "run_actions": text               POST /api/run {"scenario": "g033-restore-fl-first", "actions": text}
  "whatif": {body, "source_lines": {"<line>": text}}   POST /api/whatif with that body (scenario
                                    g033-irq-enable-pending unless given), the kernel file's lines replaced
                                    as its "source" when source_lines is there
"expect": {"status": [..]} (default: any status below 500), "code" (the error code), "state_status"
(the run's final status), "header_contains": {header: text}.
Strings may hold {canary}, {database}, {instructor_token}, {query_token}; long strings are written as
{"$repeat": [text, n]} or {"$concat": [parts]}. Every case, whatever it expects, must answer < 500 within
the time limit and must not show the canary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

CORPUS = Path(__file__).with_name("corpus")
EDIT_LAB = "irq-enable-fix"
HEAD = "arch/x86/lguest/i386_head.S"
RUN_SCENARIO = "g033-restore-fl-first"
SOURCE_SCENARIO = "g033-irq-enable-pending"


@dataclass
class Case:
    id: str
    spec: dict
    file: str

    @property
    def expect(self) -> dict:
        return self.spec.get("expect", {})


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict = field(default_factory=dict)


def load_cases() -> list[Case]:
    cases, seen = [], set()
    for path in sorted(CORPUS.glob("*.json")):
        for spec in json.loads(path.read_text()):
            if spec["id"] in seen:
                raise ValueError(f"{path.name}: duplicate case id {spec['id']}")
            seen.add(spec["id"])
            cases.append(Case(spec["id"], spec, path.name))
    return cases


def expand(value, values: dict[str, str]):
    """$repeat / $concat into strings, and {placeholder} into the run's values, all the way down."""
    if isinstance(value, dict):
        if set(value) == {"$repeat"}:
            text, count = value["$repeat"]
            return expand(text, values) * count
        if set(value) == {"$concat"}:
            return "".join(expand(part, values) for part in value["$concat"])
        return {expand(k, values): expand(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, values) for v in value]
    if isinstance(value, str):
        for name, replacement in values.items():
            value = value.replace("{" + name + "}", replacement)
    return value


def build_request(case: Case, values: dict[str, str], kernel_text: str, read_file=None) -> Request:
    spec = expand({k: v for k, v in case.spec.items() if k not in ("id", "why", "expect")}, values)
    headers = dict(spec.get("headers", {}))
    if "lab_edit" in spec or "lab_edit_any" in spec:
        payload = {"edits": spec.get("lab_edit") or spec.get("lab_edit_any")}
        return _json("POST", f"/api/labs/{EDIT_LAB}/run", payload, headers)
    if "source_edit" in spec:
        lines = kernel_text.split("\n")
        for number, text in spec["source_edit"].items():
            lines[int(number) - 1] = text
        return _json("POST", "/api/run", {"scenario": SOURCE_SCENARIO, "source": {HEAD: "\n".join(lines)}}, headers)
    if "source_edit_file" in spec:
        target = spec["source_edit_file"]
        lines = read_file(target["file"]).split("\n")
        for number, text in target["lines"].items():
            if int(number) <= len(lines):
                lines[int(number) - 1] = text
        return _json("POST", "/api/run", {"scenario": SOURCE_SCENARIO, "source": {target["file"]: "\n".join(lines)}},
                     headers)
    if "whatif" in spec:
        body = {"scenario": SOURCE_SCENARIO, **spec["whatif"]}
        edits = body.pop("source_lines", None)
        if edits is not None:
            lines = kernel_text.split("\n")
            for number, text in edits.items():
                lines[int(number) - 1] = text
            body["source"] = {HEAD: "\n".join(lines)}
        return _json("POST", "/api/whatif", body, headers)
    if "run_actions" in spec:
        return _json("POST", "/api/run", {"scenario": RUN_SCENARIO, "actions": spec["run_actions"]}, headers)
    method, path = spec["method"], spec["path"]
    if "json" in spec:
        return _json(method, path, spec["json"], headers)
    if "form" in spec:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return Request(method, path, urlencode(spec["form"]).encode(), headers)
    if "body_hex" in spec:
        return Request(method, path, bytes.fromhex(spec["body_hex"]), headers)
    if "body" in spec:
        return Request(method, path, spec["body"].encode("utf-8", "surrogatepass"), headers)
    return Request(method, path, None, headers)


def _json(method: str, path: str, payload, headers: dict) -> Request:
    headers = {"Content-Type": "application/json", **headers}
    return Request(method, path, json.dumps(payload).encode("utf-8", "surrogatepass"), headers)
