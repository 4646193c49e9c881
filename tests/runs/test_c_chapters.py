"""The Guest's C (boot.c, compiled by gcc) running live: line stepping, the Host's answers to the C
chapters' hypercalls, the virtual clock and the async ring, each on the real build."""

from __future__ import annotations

import pytest

from journey_app.host.clock import NS_PER_INSN
from journey_app.runs.actions import parse_actions
from journey_app.errors import BadInput

from .conftest import after_action, field, of_kind

BOOT = "arch/x86/lguest/boot.c"


def lines_of(events) -> list[tuple[str, int]]:
    return [(e["file"], e["line"]) for e in events if e["kind"] == "insn"]


def test_step_line_and_next_line_parse_with_an_optional_count():
    assert [a.text for a in parse_actions("step_line; step_line 3; next_line; next_line 2")] == [
        "step_line", "step_line 3", "next_line", "next_line 2"]
    with pytest.raises(BadInput) as caught:
        parse_actions("step_line 0")
    assert caught.value.detail["word"] == "0"


def test_step_line_runs_every_instruction_of_one_line_and_follows_calls(run):
    result = run("g032-irq-disable", "step_line; step_line; step_line")

    first, second, third = (after_action(result, i) for i in range(3))
    assert lines_of(first) == [("glue/boot_c_stage.c", 91)]                     # call *pv_irq_ops.irq_disable
    assert {line for _f, line in lines_of(second)} == {248}                    # the thunk: push, call
    assert [e["text"] for e in second if e["kind"] == "insn"] == ["pushl %ecx", "calll 0xc0104010"] or \
        len(lines_of(second)) == 2
    assert lines_of(third) == [(BOOT, 235)]                                     # irq_enabled = 0
    assert field(result.state, "irq_enabled") == 0


def test_next_line_steps_over_the_call_and_records_no_insn_inside(run):
    result = run("g032-irq-disable", "next_line")

    events = after_action(result, 0)
    assert lines_of(events) == [("glue/boot_c_stage.c", 91)]
    assert any(e["kind"] == "mem_write" and e["field"] == "lguest_data.irq_enabled" for e in events)
    assert result.state.to_json()["location"]["line"] == 92


def test_write_idt_entry_hands_the_gate_to_the_host_in_two_words(run, build):
    result = run("g034-idt-entry", "run_until journey_done")

    (call,) = [e for e in of_kind(result, "hypercall") if e["name"] == "LHCALL_LOAD_IDT_ENTRY"]
    handler = build.address_of("journey_irq_5")
    assert call["args"][:3] == [0x21, (0x60 << 16) | (handler & 0xFFFF), (handler & 0xFFFF0000) | 0x8E00]
    assert (call["file"], call["line"]) == (BOOT, 289)
    row = next(r for r in result.state.to_json()["host"]["idt"] if r["vector"] == 0x21)
    assert row["handler_symbol"] == "journey_irq_5" and row["gate"] == "interrupt"


def test_a_call_gate_is_refused_by_the_host(run):
    result = run("g034-idt-bad-gate", "run_until hypercall")

    assert result.state.status == "dead"
    assert result.state.reason == "bad IDT type 12"


def test_load_tls_fills_the_hosts_gdt_entries_6_to_8(run):
    state = run("g034-load-tls", "run_until journey_done").state.to_json()

    gdt = {row["index"]: (row["lo"], row["hi"]) for row in state["host"]["gdt"]}
    assert gdt[6] == (0x1000FFFF, 0x00CFF300)                 # fixup_gdt_table: the accessed bit preset
    assert gdt[7] == gdt[8] == (0, 0x2100)                    # empty entries: DPL 0 became GUEST_PL, accessed


def test_lazy_mode_fills_the_ring_and_flush_async_empties_it_in_order(run):
    result = run("g035-lazy-ring", "run_until journey_done")

    calls = of_kind(result, "hypercall")
    assert [(c["name"], c["source"], c["slot"]) for c in calls] == [
        ("LHCALL_SET_PTE", "async", 0), ("LHCALL_SET_PTE", "async", 1), ("LHCALL_SET_PTE", "async", 2),
        ("LHCALL_FLUSH_ASYNC", "sync", None)]
    assert [c["args"][1] for c in calls[:3]] == [0xC0400000, 0xC0401000, 0xC0402000]


def test_a_full_ring_makes_the_65th_call_directly_after_the_host_ran_all_64(run):
    result = run("g037-ring-full", "run_until hypercall")

    calls = of_kind(result, "hypercall")
    assert [c["source"] for c in calls] == ["async"] * 64 + ["sync"]
    assert calls[-1]["name"] == "LHCALL_SET_PTE" and calls[-1]["args"][1] == 0xC0400000 + 64 * 4096
    assert (calls[-1]["file"], calls[-1]["line"]) == (BOOT, 118)               # kvm_hypercall4 in async_hcall


def test_cpuid_masks_unicorns_answer_as_lguest_cpuid_does(run, build):
    result = run("g038-cpuid", "run_until journey_done")

    raw = [int.from_bytes(result_read(run, build, "journey_cpuid", i), "little") for i in range(4)]
    eax, _ebx, ecx, edx = raw
    assert ecx & ~0x00002201 == 0
    assert edx & ~(0x07808151 | 0x2000) == 0 and edx & 0x2000
    assert (eax >> 8) & 0xF == 5
    assert result.state.status == "finished"


def result_read(run, build, symbol: str, index: int) -> bytes:
    """Word `index` of `symbol` after the cpuid scenario (read from its final mem_write events)."""
    result = run("g038-cpuid", "run_until journey_done")
    address = build.address_of(symbol) + 4 * index
    writes = [e for e in of_kind(result, "mem_write") if e["address"] == address]
    return writes[-1]["new"].to_bytes(4, "little") if writes else bytes(4)


def test_page_table_hypercalls_build_the_hosts_view(run, build):
    state = run("g038-pagetables", "run_until journey_done").state.to_json()

    view = state["host"]["pagetables"]
    pgdir = build.address_of("journey_pgdir") - 0xC0000000
    assert view["pgdir"] == pgdir and view["switches"] == 1
    assert {"pgdir": pgdir, "index": 0x301} in view["pgds"]
    assert {"pgdir": pgdir, "vaddr": 0xC0400000, "pte": 0x00123067, "present": True} in view["ptes"]
    assert view["flushes_all"] == 1                                              # set_pte after cr3_changed


def test_masking_irq_1_from_the_guests_code_makes_the_host_block_it(run):
    result = run("g038-mask-irq", "step_line 2; host_check")

    (decision,) = of_kind(result, "decision")
    assert decision["rule"] == "blocked"
    assert field(result.state, "blocked_interrupts") == 0b10


def test_the_clock_event_fires_on_the_virtual_clock_and_wakes_the_halted_guest(run):
    result = run("g038-clockevent", "run_until hypercall; run_until hypercall; step")

    (armed,) = [e for e in of_kind(result, "hypercall") if e["name"] == "LHCALL_SET_CLOCKEVENT"]
    (timer,) = of_kind(result, "timer")
    assert timer["deadline_ns"] == armed_time(result) + 5000
    assert timer["irq"] == 0 and timer["now_ns"] == timer["deadline_ns"]
    (delivered,) = of_kind(result, "irq_delivered")
    assert delivered["irq"] == 0
    assert result.state.to_json()["host"]["timer"]["fired"] == 1
    assert armed["args"][0] == 5000


def armed_time(result) -> int:
    """Virtual time at the SET_CLOCKEVENT hypercall: instructions executed before it (1 ns each)."""
    for event in result.events:
        data = event.to_json()
        if data["kind"] == "hypercall" and data["name"] == "LHCALL_SET_CLOCKEVENT":
            return int(data["effect"].split("virtual time ")[1].split(" ns")[0]) - 5000
    raise AssertionError("no SET_CLOCKEVENT")


def test_a_timer_while_running_stops_a_native_run_exactly_at_its_deadline(run):
    """Armed, then 300 lazy-mode flushes (thousands of instructions, run natively): irq 0 arrives in the
    middle, exactly 5000 instructions after the hypercall, and the run goes on to journey_done."""
    actions = ("run_until hypercall; set eip journey_c_lazy_ptes; set eax 300; set esp 0xc0103ffc; "
               "run_until journey_done")
    result = run("g038-clockevent", actions)

    (timer,) = of_kind(result, "timer")
    assert timer["now_ns"] == timer["deadline_ns"] == armed_time(result) + 5000
    (delivered,) = of_kind(result, "irq_delivered")
    assert delivered["seq"] == timer["seq"] + 2 and delivered["handler_symbol"] == "journey_irq_0"
    assert result.state.status == "finished"
    before = run("g038-clockevent", "run_until hypercall").state.insn_count
    assert NS_PER_INSN == 1 and timer["deadline_ns"] >= before


def test_power_off_and_panic_kill_with_the_guests_message(run):
    assert run("g038-power-off", "run_until journey_done").state.reason == "CRASH: Power down"
    assert run("g038-panic", "run_until journey_done").state.reason == "CRASH: Attempted to kill init!"


def test_lguest_patch_copies_the_pushf_template_over_the_save_fl_site_and_pads_with_a_nop(run, build):
    result = run("g060-patch", "run_until journey_done")

    pushf = build.read(build.address_of("lgstart_pushf"),
                       build.address_of("lgend_pushf") - build.address_of("lgstart_pushf"))
    site_writes = [e for e in of_kind(result, "mem_write") if (e["symbol"] or "").startswith("async_hcall")
                   and e["old"] != e["new"]]
    patched = bytes(e["new"] for e in site_writes)
    assert patched == pushf + b"\x90"                                           # 5 bytes + one NOP = the 6-byte site
    cli = build.address_of("lgend_cli") - build.address_of("lgstart_cli")
    assert cli == 10                                                             # too long: that site keeps its call


def test_locals_show_where_gcc_kept_the_arguments_and_their_values(run, build):
    state = run("g034-idt-entry", "step_line 11").state.to_json()

    assert state["location"]["line"] == 278
    by_name = {v["name"]: v for v in state["locals"]}
    assert by_name["entrynum"] == {"function": "lguest_write_idt_entry", "name": "entrynum", "kind": "parameter",
                                   "where": "%edx", "value": 0x21}                # -mregparm=3: 2nd argument
    assert by_name["dt"]["value"] == build.address_of("journey_idt") and by_name["dt"]["where"] == "%eax"


def test_a_stack_argument_is_read_from_its_slot_through_the_cfa(run):
    """async_hcall's fourth argument does not fit in eax/edx/ecx: gcc passes it on the stack (DW_OP_fbreg)."""
    state = run("g035-lazy-ring", "step_line 14").state.to_json()

    arg3 = next(v for v in state["locals"] if v["name"] == "arg3")
    assert arg3["function"] == "async_hcall" and arg3["where"].endswith("(%esp)")
    assert arg3["value"] == 0                                     # lazy_hcall3(SET_PTE, pgdir, addr, 0)
