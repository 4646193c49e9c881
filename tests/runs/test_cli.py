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


def test_replay_with_a_breakpoint_says_where_and_why_it_stopped(capsys):
    assert main(["replay", "g033-irq-enable-quiet", "break L79; watch ZF; continue"]) == 0

    out = capsys.readouterr().out
    assert "stopped  Watched ZF changed from 0x0 to 0x1" in out
    assert "break    L79 (lg_irq_enable+20)" in out and "watch    ZF=0x1" in out


def test_whatif_prints_the_first_different_decision(capsys):
    assert main(["whatif", "g033-irq-enable-pending", "step 2; host_check", "--at", "1",
                 "--change", "set irq_enabled 0"]) == 0

    out = capsys.readouterr().out
    assert "fork: step 2; set irq_enabled 0; host_check" in out
    assert "first different Host decision" in out and "set_pending" in out
