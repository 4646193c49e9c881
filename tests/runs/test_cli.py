"""`journey scenarios` and `journey replay`: thin commands over the runs layer, readable and --json."""

from __future__ import annotations

import json

import pytest

from journey_app.cli import main


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_CACHE", str(tmp_path))


def test_scenarios_lists_ids_chapters_and_titles(capsys):
    assert main(["scenarios"]) == 0

    out = capsys.readouterr().out
    assert "g033-irq-enable-pending" in out and "G:033" in out and "try: step 6" in out


def test_scenarios_json(capsys):
    assert main(["scenarios", "--json"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["version"] == "2.6.31"
    assert {"g020-boot", "g045-iret", "m004-frame"} <= {s["id"] for s in data["scenarios"]}


def test_replay_prints_events_and_a_state_table(capsys):
    assert main(["replay", "g033-irq-enable-pending", "step 6; host_check"]) == 0

    out = capsys.readouterr().out
    assert "testl $0" in out and "[not taken]" in out
    assert "deliver (deliver)" in out and "status   running" in out and "journey_irq_1" in out
    assert "lguest_data irq_enabled=0x0" in out          # the interrupt gate turned them off


def test_replay_json_is_the_replay_contract(capsys):
    assert main(["replay", "g020-boot", "run_until lguest_init", "--json"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["state"]["status"] == "finished" and data["actions"] == ["run_until lguest_init"]
    assert [e["kind"] for e in data["events"]][:2] == ["action", "trap"]


def test_replay_without_actions_runs_the_suggested_tour(capsys):
    assert main(["replay", "g055-templates", "--kinds", "insn"]) == 0

    out = capsys.readouterr().out
    assert out.count(" insn ") == 2


def test_replay_bad_actions_exit_2_with_the_position(capsys):
    assert main(["replay", "g033-irq-enable-pending", "step; sett eax 1"]) == 2

    err = capsys.readouterr().err
    assert "unknown action 'sett'" in err and '"column": 7' in err
