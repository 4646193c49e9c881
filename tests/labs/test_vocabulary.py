"""One definition for every enumerated name: each name the core defines is accepted in a lab check (schema and
checks language both), a made-up one is refused, and the copies elsewhere (OpenAPI, the explorer's JS) agree.

The names are taken from the packages that define them, not from labs/vocabulary.py, so a hand-copied list
that drifts fails here (it did: rule `blocked_unreadable` and kind `notify` were refused, register `fs` accepted).
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from journey_app import paths
from journey_app.guest.registers import FLAG_BITS, REGISTER_NAMES
from journey_app.host.constants import LHCALL_NAMES
from journey_app.host.decision import OUTCOMES, RULES
from journey_app.host.lguest_data import SCALAR_FIELDS
from journey_app.labs import read_lab
from journey_app.labs.loader import schema
from journey_app.runs.events import KINDS
from journey_app.runs.state import HOST_KEYS
from journey_app.runs.status import STATUSES
from journey_app.web.explorer import vocabulary_js
from journey_app.web import create_app

from .conftest import KERNEL

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "traces"

# head -> (every name the core defines, the expectation written for one name)
VOCABULARY = {
    "hypercall": (tuple(LHCALL_NAMES.values()), lambda n: f'{{hypercall = "{n}"}}'),
    "rule": (RULES, lambda n: f'{{decision = {{rule = "{n}"}}}}'),
    "outcome": (OUTCOMES, lambda n: f'{{decision = {{outcome = "{n}"}}}}'),
    "event kind": (KINDS, lambda n: f'{{event = {{kind = "{n}"}}}}'),
    "status": (STATUSES, lambda n: f'{{status = "{n}"}}'),
    "register": (REGISTER_NAMES, lambda n: f'{{register = "{n}", equals = 0}}'),
    "flag": (tuple(FLAG_BITS), lambda n: f'{{flag = "{n}", equals = 0}}'),
    "field": (tuple(f.name for f in SCALAR_FIELDS), lambda n: f'{{field = "{n}", equals = 0}}'),
    "host key": (HOST_KEYS, lambda n: f'{{host = "{n}", equals = 0}}'),
}
MADE_UP = {"hypercall": "LHCALL_MADE_UP", "rule": "made_up_rule", "outcome": "made_up", "event kind": "made_up",
           "status": "made_up", "register": "fs", "flag": "XF", "field": "made_up", "host key": "made_up"}


def lab_text(expectations: list[str]) -> str:
    checks = "".join(f'\n[[checks]]\nid = "c{i}"\ntext = "check {i}"\npoints = 1\nexpect = {expect}\n'
                     for i, expect in enumerate(expectations))
    return textwrap.dedent(f'''\
        id = "vocabulary"
        title = "Every name"
        version = "{KERNEL}"
        scenario = "g033-irq-enable-pending"
        instructions = "Names."
        ''') + checks


def problems(root: Path, lab_context, expectations: list[str]):
    path = root / "labs" / "vocabulary.toml"
    path.write_text(lab_text(expectations))
    return read_lab(path, lab_context)[1]


@pytest.mark.parametrize("head", list(VOCABULARY))
def test_every_name_the_core_defines_is_accepted(head, scratch_root, scratch_context):
    names, expect = VOCABULARY[head]
    assert names
    assert problems(scratch_root, scratch_context, [expect(n) for n in names]) == []


@pytest.mark.parametrize("head", list(VOCABULARY))
def test_a_made_up_name_is_refused(head, scratch_root, scratch_context):
    names, expect = VOCABULARY[head]
    assert MADE_UP[head] not in names
    found = problems(scratch_root, scratch_context, [expect(MADE_UP[head])])
    assert found and found[0].field.startswith("checks[0].expect"), found
    assert MADE_UP[head] in found[0].message


def test_the_drift_bugs_stay_fixed(scratch_root, scratch_context):
    ok = ['{decision = {rule = "blocked_unreadable"}}', '{event = {kind = "notify"}}']
    assert problems(scratch_root, scratch_context, ok) == []
    assert problems(scratch_root, scratch_context, ['{register = "fs", equals = 0}'])


def test_the_lab_schema_enumerates_the_core_names():
    defs = schema()["$defs"]
    assert defs["rule"]["enum"] == list(RULES) and defs["outcome"]["enum"] == list(OUTCOMES)
    assert defs["status"]["enum"] == list(STATUSES) and defs["eventKind"]["enum"] == list(KINDS)
    assert defs["register"]["enum"] == list(REGISTER_NAMES)
    on_disk = (Path(paths.__file__).parent / "labs" / "lab.schema.json").read_text()
    assert "blocked_unreadable" not in on_disk and '"running"' not in on_disk, "the file keeps no copy of the names"


def test_the_openapi_document_enumerates_the_core_names(tmp_path):
    app = create_app({"cache_dir": tmp_path})
    text = json.dumps(app.test_client().get("/api/openapi.json").get_json())
    enums = [json.loads(m) for m in re.findall(r'"enum": (\[[^\]]*\])', text)]
    assert list(KINDS) in enums and list(STATUSES) in enums
    kinds_like = [e for e in enums if "insn" in e or "running" in e]
    assert all(e in (list(KINDS), list(STATUSES)) for e in kinds_like), kinds_like


def test_the_explorer_vocabulary_module_is_generated_from_the_core():
    path = paths.static_root() / vocabulary_js.RELATIVE_PATH
    assert path.read_text() == vocabulary_js.render(), "regenerate: python -m journey_app.web.explorer.vocabulary_js"
    main = (path.parent / "main.js").read_text()
    assert '"notify"' not in main and '"eflags"' not in main, "main.js imports the names from vocabulary.js"
    machine = (path.parent / "machine.js").read_text()
    assert dict(re.findall(r'\["([A-Z]F)", (\d+),', machine)) == {k: str(v) for k, v in FLAG_BITS.items()}


def test_golden_traces_use_only_defined_names():
    """An independent check that the definitions are complete: every kind, rule, outcome and status that
    real runs produced is one the core defines."""
    seen: dict[str, set] = {"kind": set(), "rule": set(), "outcome": set(), "status": set()}
    for path in sorted(GOLDEN.glob("*.json")):
        trace = json.loads(path.read_text())
        seen["status"].add(trace["state"]["status"])
        assert tuple(trace["state"]["host"]) == HOST_KEYS
        for event in trace["events"]:
            seen["kind"].add(event["kind"])
            if event["kind"] == "decision":
                seen["rule"].update(event["rules"])
                seen["outcome"].add(event["outcome"])
    assert seen["kind"] <= set(KINDS) and seen["rule"] <= set(RULES)
    assert seen["outcome"] <= set(OUTCOMES) and seen["status"] <= set(STATUSES)
    assert "decision" in seen["kind"] and "deliver" in seen["rule"]
