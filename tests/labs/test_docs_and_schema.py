"""The lab format is documented and its JSON Schema agrees with the loader: a test fails when they drift."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from journey_app.labs import CheckSyntaxError, lab_paths, parse, schema
from journey_app.labs.checks import HEADS
from journey_app.labs.trace import COMPARISONS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "labs.md"


def expectation_validator():
    root = schema()
    return jsonschema.Draft202012Validator({**root["$defs"]["expectation"], "$defs": root["$defs"]})


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_every_top_level_field_is_documented():
    docs = DOCS.read_text()
    for field in schema()["properties"]:
        assert re.search(rf"^{field} = |^\[{field}\]|^\[\[{field}\]\]", docs, re.MULTILINE), field


@pytest.mark.parametrize("word", [*HEADS, *COMPARISONS, "count", "eip_in", "at", "symbol", "state", "sub"])
def test_every_word_of_the_checks_language_is_documented(word):
    assert re.search(rf"`[^`]*\b{word}\b[^`]*`", DOCS.read_text()), word


def sample_expectations():
    for path in lab_paths(Path(__file__).resolve().parents[2] / "content"):
        for check in tomllib.loads(path.read_text())["checks"]:
            yield pytest.param(check["expect"], id=f"{path.stem}:{check['id']}")


@pytest.mark.parametrize("expr", [
    *sample_expectations(),
    {"hypercall": 19, "count": {"min": 1, "max": 2}, "arg1": {"symbol": "lguest_data", "sub": 0xC0000000}},
    {"event": {"kind": "mem_write", "field": "lguest_data.irq_pending", "new": 0x200}},
    {"flag": "IF", "equals": 1, "at": "journey_done"},
    {"stopped_at": {"line": 38, "file": "arch/x86/lguest/i386_head.S"}},
    {"not": {"any": [{"status": ["budget", "fault"]}, {"host": "dead", "not_equals": ""}]}},
])
def test_schema_and_parser_accept_the_same_good_expectations(expr):
    parse(expr)
    expectation_validator().validate(expr)


@pytest.mark.parametrize("expr", [
    {"hypercal": "LHCALL_HALT"},
    {"status": "finished", "hypercall": "LHCALL_HALT"},
    {"decision": {"rule": "noirq"}},
    {"irq_delivered": True, "count": -1},
    {"register": "eax", "equals": {"python": "1"}},
    {"all": []},
    {"sequence": [{"irq_delivered": True}]},
    {"no_delivery_in": ["lguest_noirq_start"]},
])
def test_schema_and_parser_refuse_the_same_bad_expectations(expr):
    with pytest.raises(CheckSyntaxError):
        parse(expr)
    assert list(expectation_validator().iter_errors(expr))
