"""Scenario files: every bundled one loads and runs its tour to the end; bad files are ContentErrors that
name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey_app.errors import ContentError
from journey_app.runs import load_scenarios, parse_scenario
from journey_app.runs.scenarios import ScenarioLibrary

from .conftest import VERSION

EXPECTED = {
    "g020-boot": ("G:020", "lguest_init"), "g055-templates": ("G:055", "lgend_pushf"),
    "g033-irq-enable-pending": ("G:033", "journey_done"), "g033-irq-enable-quiet": ("G:033", "journey_done"),
    "g033-restore-fl-pending": ("G:033", "journey_done"), "g033-restore-fl-first": ("G:033", "journey_done"),
    "g033-restore-fl-off": ("G:033", "journey_done"), "g045-iret": ("G:045", "journey_done"),
    "m004-frame": ("M:004", "journey_done"),
}
GOOD = """
id = "demo"
title = "t"
chapters = ["G:033"]
description = "d"
entry = "journey_call_irq_enable"
"""


def test_the_bundled_scenarios_are_there(settings):
    scenarios = {s.id: s for s in load_scenarios(settings.content_root, VERSION)}

    assert set(EXPECTED) <= set(scenarios)
    for sid, (chapter, _stop) in EXPECTED.items():
        assert chapter in scenarios[sid].chapters and scenarios[sid].description.strip()


@pytest.mark.parametrize("sid", sorted(EXPECTED))
def test_each_scenario_runs_its_tour_to_its_stop_label(run, settings, sid):
    scenario = next(s for s in load_scenarios(settings.content_root, VERSION) if s.id == sid)

    result = run(sid, scenario.actions)

    assert (result.state.status, result.state.location["symbol"]) == ("finished", EXPECTED[sid][1])
    assert not [e for e in result.events if e.kind in ("fault", "killed", "budget")]


def test_scenarios_after_boot_start_with_init_done_and_the_idt_loaded(run, build):
    host = run("g033-irq-enable-quiet").state.host

    assert host["initialised"] and host["lguest_data"] == build.address_of("lguest_data")
    assert host["noirq_start"] == build.address_of("lguest_noirq_start")
    entry = next(e for e in host["idt"] if e["vector"] == 0x21)
    # set_trap(): selector __KERNEL_CS|GUEST_PL in lo, hi without bit 12 and its low byte: interrupt gate
    assert entry["lo"] >> 16 == 0x61 and entry["hi"] & 0xFFFF == 0x8E00
    assert entry["handler"] == build.address_of("journey_irq_1") and entry["gate"] == "interrupt"


def test_a_prepared_stack_is_labelled(run, build):
    state = run("g045-iret").state.to_json()

    top = [(w["label"], w["value"]) for w in state["stack"] if w["address"] >= state["registers"]["esp"]][:3]
    assert top == [("eip", build.address_of("journey_interrupted")), ("cs", 0x61), ("eflags", 0x202)]


def _bad(text: str) -> ContentError:
    with pytest.raises(ContentError) as caught:
        parse_scenario(text, "scenarios/2.6.31/demo.toml", VERSION, expected_id="demo")
    return caught.value


@pytest.mark.parametrize("extra, field", [
    ("colour = 1", "colour"),
    ("[registers]\nezx = 1", "registers.ezx"),
    ("[lguest_data]\nirq_enable = 1", "lguest_data.irq_enable"),
    ("[host]\nblocked = 1", "host.blocked"),
    ("[host]\nirqs_pending = [40]", "host.irqs_pending[0]"),
    ("[host]\ninitialised = \"yes\"", "host.initialised"),
    ("physical = 1", "physical"),
    ("[registers]\neax = true", "registers.eax"),
    ("stack = [{ value = 1, colour = 2 }]", "stack[0]"),
])
def test_an_unknown_key_or_bad_value_names_the_file_and_field(extra, field):
    error = _bad(GOOD + extra)

    assert error.detail == {"file": "scenarios/2.6.31/demo.toml", "field": field}
    assert "scenarios/2.6.31/demo.toml" in error.message


def test_the_id_must_match_the_file_name():
    assert _bad(GOOD.replace('"demo"', '"other"')).detail["field"] == "id"


def test_invalid_toml_is_a_content_error():
    assert "not valid TOML" in _bad("id = ").message


def test_an_unknown_symbol_is_reported_when_the_scenario_is_set_up(run, tmp_path, catalog, settings, build):
    from journey_app.runs import CheckpointCache, Run, replay

    folder = tmp_path / "scenarios" / VERSION
    folder.mkdir(parents=True)
    (folder / "demo.toml").write_text(GOOD.replace('"journey_call_irq_enable"', '"no_such_label"'))
    catalog_here = type(catalog)(type(settings)(content_root=Path(tmp_path), cache_dir=settings.cache_dir))

    with pytest.raises(ContentError) as caught:
        replay(Run(VERSION, "demo", "step"), catalog=catalog_here, settings=settings, build=build,
               cache=CheckpointCache())

    assert caught.value.detail["field"] == "entry" and "no_such_label" in caught.value.message


def test_an_edited_scenario_file_is_read_again(tmp_path):
    folder = tmp_path / "scenarios" / VERSION
    folder.mkdir(parents=True)
    path = folder / "demo.toml"
    path.write_text(GOOD)
    library = ScenarioLibrary(tmp_path, recheck=0)
    assert library.get(VERSION, "demo").title == "t"

    path.write_text(GOOD.replace('title = "t"', 'title = "changed title"'))

    assert library.get(VERSION, "demo").title == "changed title"
