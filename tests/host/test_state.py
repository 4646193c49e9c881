"""Host state: kill() keeps the first reason, copy() is independent, JSON is plain and stable."""

import json

from journey_app.host import Host


def test_kill_keeps_only_the_first_message():
    host = Host()
    host.kill("bad syscall vector")
    host.kill("Writing timestamp")
    assert host.dead == "bad syscall vector"


def test_kill_reports_whether_the_message_was_kept():
    host = Host()
    assert host.kill("first") is True
    assert host.kill("second") is False


def test_copy_does_not_share_the_idt():
    host = Host()
    host.idt[0x20] = (1, 2)
    clone = host.copy()
    clone.idt[0x21] = (3, 4)
    assert 0x21 not in host.idt and clone.idt[0x20] == (1, 2)


def test_to_json_is_json_serialisable_and_sorted_by_vector():
    host = Host()
    host.idt[0x21] = (1, 0x8E00)
    host.idt[0x20] = (2, 0x8E00)
    data = json.loads(json.dumps(host.to_json()))
    assert [e["vector"] for e in data["idt"]] == [0x20, 0x21]


def test_model_clock_is_a_fixed_epoch_plus_one_ms_per_timestamp():
    host = Host()
    assert [host.next_timestamp() for _ in range(2)] == [(1252454400, 0), (1252454400, 1_000_000)]


def test_boot_pgdir_is_the_top_page_of_guest_memory():
    assert Host(mem_size=16 << 20).boot_pgdir == 0x00FFF000
