"""The behaviours issue 4 asks to see, each on the real build in the real emulator with the Host model:
hypercall rewriting, kills before/after INIT, the G:033 testl bug, irq_pending, the no-irq window,
blocked interrupts, the G:020 boot and the M:004 frame."""

from __future__ import annotations

from journey_app.toolchain import PAGE_OFFSET

from .conftest import after_action, field, of_kind

INT_0X1F = "int $0x1f"


# -- vmcall → trap 6 → rewrite → int $0x1f ------------------------------------------------------------------

def test_first_pass_through_a_vmcall_traps_6_is_rewritten_then_hypercalls_through_int_0x1f(run, build):
    site = build.address_of("lguest_entry") + 10 - PAGE_OFFSET

    result = run("g020-boot", "step 3; step")

    first = after_action(result, 0)
    assert [e["kind"] for e in first] == ["insn", "insn", "insn", "trap", "rewrite", "decision"]
    assert first[2]["text"] == "vmcall" and first[3]["vector"] == 6
    assert (first[4]["address"], first[4]["old"], first[4]["new"]) == (site, "0f01c1", "cd1f90")
    second = after_action(result, 1)
    assert [e["kind"] for e in second] == ["insn", "trap", "hypercall", "decision"]
    assert second[0]["text"] == INT_0X1F and second[1]["vector"] == 0x1F
    assert second[2]["name"] == "LHCALL_LGUEST_INIT"
    assert second[1]["eip"] == site + 2                  # int is a trap: EIP already past it


def test_the_rewritten_bytes_stay_visible_in_the_state(run, build):
    site = build.address_of("lguest_entry") + 10 - PAGE_OFFSET

    state = run("g020-boot", "step 3").state.to_json()

    assert state["host"]["patched"][0]["address"] == site
    assert (state["host"]["patched"][0]["old"], state["host"]["patched"][0]["new"]) == ("0f01c1", "cd1f90")
    source = build.sources["arch/x86/lguest/i386_head.S"].split("\n")
    line = next(n for n, text in enumerate(source, 1) if ".byte 0x0f,0x01,0xc1" in text)
    assert state["host"]["patched"][0]["line"] == line    # G:020's `.byte 0x0f,0x01,0xc1 /* KVM_HYPERCALL */`
    assert state["next_insn"] == {"address": site, "text": INT_0X1F, "bytes": "cd 1f"}


def test_a_second_pass_over_a_rewritten_site_goes_straight_to_int_0x1f(run):
    result = run("g020-boot", "run_until lguest_init; set eip 0x100000; step 3")

    last = after_action(result, 2)
    assert [e["kind"] for e in last][:5] == ["insn", "insn", "insn", "trap", "hypercall"]
    assert last[2]["text"] == INT_0X1F
    assert not [e for e in last if e["kind"] == "rewrite" or e.get("vector") == 6]


# -- kills ----------------------------------------------------------------------------------------------------

def test_a_hypercall_before_lguest_init_kills_the_guest_with_the_kernels_message(run):
    result = run("g020-boot", "step 2; set eax LHCALL_SEND_INTERRUPTS; step 2")

    (killed,) = of_kind(result, "killed")
    assert killed["reason"] == "hypercall 19 before INIT"
    state = result.state.to_json()
    assert (state["status"], state["reason"], state["host"]["dead"]) == ("dead", "hypercall 19 before INIT",
                                                                         "hypercall 19 before INIT")
    assert state["host"]["initialised"] is False


def test_a_second_lguest_init_kills_with_already_have_lguest_data(run):
    result = run("g020-boot", "run_until lguest_init; set eip 0x100000; run_until hypercall")

    assert [k["reason"] for k in of_kind(result, "killed")] == ["already have lguest_data"]
    assert result.state.status == "dead"


def test_a_dead_guest_runs_no_more_instructions(run):
    dead = run("g020-boot", "step 2; set eax 19; step 2")

    later = run("g020-boot", "step 2; set eax 19; step 2; step 5; run_until lguest_init")

    assert later.state.insn_count == dead.state.insn_count and later.state.status == "dead"


# -- G:033 ----------------------------------------------------------------------------------------------------

def test_lg_irq_enable_sets_irq_enabled_and_never_sends_interrupts_because_testl_0_sets_zf(run):
    result = run("g033-irq-enable-pending", "step 6")

    insns = of_kind(result, "insn")
    testl = next(e for e in insns if e["text"].startswith("testl $0"))
    jnz = insns[insns.index(testl) + 1]
    assert testl["eflags"] & 0x40                         # ZF = 1
    assert jnz["text"].startswith("jne") and jnz["branch"] == "not taken"
    assert not of_kind(result, "hypercall") and not of_kind(result, "trap")
    assert field(result.state, "irq_enabled") == 0x200
    assert field(result.state, "irq_pending") == 0x200
    assert result.state.host["irqs_pending"] == 0b10      # irq 1 still waits
    assert result.state.status == "finished"


def test_lg_restore_fl_with_0x200_sends_interrupts_and_the_host_delivers(run, build):
    result = run("g033-restore-fl-pending", "step 7")

    insns = of_kind(result, "insn")
    testl = next(e for e in insns if e["text"].startswith("testl %eax"))
    assert not testl["eflags"] & 0x40                     # 0x200 & 0x200: ZF = 0
    assert insns[insns.index(testl) + 1]["branch"] == "taken"
    hypercall, = of_kind(result, "hypercall")
    assert (hypercall["name"], hypercall["number"]) == ("LHCALL_SEND_INTERRUPTS", 19)
    decision, = of_kind(result, "decision")
    assert (decision["rule"], decision["outcome"], decision["irq"]) == ("deliver", "deliver", 1)
    assert decision["seq"] > hypercall["seq"]
    delivered, = of_kind(result, "irq_delivered")
    assert (delivered["vector"], delivered["handler"]) == (0x21, build.address_of("journey_irq_1"))
    assert result.state.eip == build.address_of("journey_irq_1")
    assert result.state.registers["eax"] == 19            # no 2.6.31 hypercall writes eax


def test_lg_restore_fl_with_0_leaves_interrupts_off_without_a_hypercall(run):
    result = run("g033-restore-fl-off", "step 6")

    testl = next(e for e in of_kind(result, "insn") if e["text"].startswith("testl %eax"))
    assert testl["eflags"] & 0x40
    assert not of_kind(result, "hypercall")
    assert field(result.state, "irq_enabled") == 0


def test_the_first_send_interrupts_delivers_at_the_rewrite_exit_before_the_hypercall(run):
    result = run("g033-restore-fl-first", "step 6; run_until hypercall")

    order = [(e["kind"], e.get("rule")) for e in after_action(result, 1) if e["kind"] in
             ("rewrite", "decision", "hypercall")]
    assert order == [("rewrite", None), ("decision", "deliver"), ("hypercall", None), ("decision", "nothing_pending")]


# -- interrupt decisions ----------------------------------------------------------------------------------------

def test_with_irq_enabled_zero_a_host_check_sets_irq_pending_and_delivers_nothing(run):
    result = run("g033-irq-enable-quiet", "set host.kick 0; raise_irq 1; host_check")

    decision, = of_kind(result, "decision")
    assert (decision["rule"], decision["outcome"]) == ("irqs_disabled", "set_pending")
    assert [(w["field"], w["new"]) for w in decision["writes"]] == [("lguest_data.irq_pending", 0x200)]
    assert field(result.state, "irq_pending") == 0x200
    assert not of_kind(result, "irq_delivered")
    assert result.state.host["irqs_pending"] == 0b10
    assert result.state.changed == ["lguest_data.irq_pending"]


def test_inside_the_noirq_window_delivery_is_deferred_even_with_irq_enabled_set(run, build):
    result = run("g045-iret", "set host.kick 0; step 3; raise_irq 1; host_check")

    assert build.address_of("lguest_noirq_start") <= result.state.eip < build.address_of("lguest_noirq_end")
    assert field(result.state, "irq_enabled") == 0x202
    decision, = of_kind(result, "decision")
    assert (decision["rule"], decision["outcome"]) == ("noirq_window", "defer")
    assert decision["writes"] == []
    assert result.state.host["irqs_pending"] == 0b10


def test_after_the_iret_the_same_interrupt_is_delivered(run, build):
    result = run("g045-iret", "set host.kick 0; step 3; raise_irq 1; host_check; step 2; host_check")

    decisions = of_kind(result, "decision")
    assert [d["rule"] for d in decisions] == ["noirq_window", "deliver"]
    assert decisions[1]["eip"] == build.address_of("journey_interrupted")
    assert result.state.eip == build.address_of("journey_irq_1")


def test_a_blocked_timer_interrupt_is_never_delivered(run):
    # only irq 0 (the timer) pending; boot.c leaves it blocked until lguest_time_init
    result = run("g033-restore-fl-pending", "set host.irqs_pending 1; host_check; step 7; host_check")

    assert field(result.state, "blocked_interrupts") == 1
    assert [h["name"] for h in of_kind(result, "hypercall")] == ["LHCALL_SEND_INTERRUPTS"]
    assert [d["rule"] for d in of_kind(result, "decision")] == ["blocked", "blocked", "blocked"]
    assert not of_kind(result, "irq_delivered")
    assert result.state.host["irqs_pending"] == 1


# -- G:020 ----------------------------------------------------------------------------------------------------

def test_boot_reaches_lguest_init_with_the_stack_at_the_top_of_init_thread_union(run, build):
    result = run("g020-boot", "run_until lguest_init")

    state = result.state.to_json()
    assert (state["status"], state["location"]["symbol"]) == ("finished", "lguest_init")
    assert state["eip"] == build.address_of("lguest_init")
    assert state["registers"]["esp"] == build.address_of("init_thread_union") + 8192
    assert state["registers"]["ebx"] == build.address_of("lguest_data") - PAGE_OFFSET
    assert state["host"]["initialised"] and state["host"]["lguest_data"] == build.address_of("lguest_data")
    hypercall, = of_kind(result, "hypercall")
    assert hypercall["args"][0] == build.address_of("lguest_data") - PAGE_OFFSET
    assert field(result.state, "reserve_mem") == 0x400000


def test_boot_starts_at_the_physical_address_of_lguest_entry(run, build):
    state = run("g020-boot").state

    assert state.eip == build.address_of("lguest_entry") - PAGE_OFFSET
    assert state.location["symbol"] == "lguest_entry" and state.location["chapter"] == "G:020"
    assert state.host["initialised"] is False and state.host["idt"] == []


# -- M:004 ----------------------------------------------------------------------------------------------------

def _pushed_eflags(result) -> int:
    delivered, = of_kind(result, "irq_delivered")
    return next(w["value"] for w in delivered["frame"]["words"] if w["label"] == "eflags")


def test_the_pushed_eflags_has_if_set_when_irq_enabled_is_0x200(run):
    assert _pushed_eflags(run("m004-frame", "host_check")) & 0x200


def test_the_pushed_eflags_has_if_clear_when_irq_enabled_lacks_0x200(run):
    result = run("m004-frame", "set irq_enabled 2; host_check")

    assert not _pushed_eflags(result) & 0x200
    assert of_kind(result, "decision")[0]["frame"]["if_cleared"] is True


def test_with_irq_enabled_zero_there_is_no_frame_at_all(run):
    result = run("m004-frame", "set irq_enabled 0; host_check")

    assert of_kind(result, "decision")[0]["rule"] == "irqs_disabled" and not of_kind(result, "irq_delivered")


def test_the_delivered_frame_is_labelled_on_the_stack(run):
    state = run("m004-frame", "host_check").state.to_json()

    labels = [w["label"] for w in state["stack"] if w["address"] >= state["registers"]["esp"]][:3]
    assert labels == ["eip", "cs", "eflags"]


# -- halted ---------------------------------------------------------------------------------------------------

def test_a_halted_guest_does_not_run_until_an_interrupt_wakes_it(run, build):
    result = run("m004-frame", "set host.kick 0; set host.halted 1; step 3; raise_irq 1; host_check; step")

    assert [e["text"] for e in of_kind(result, "insn")] == [of_kind(result, "insn")[0]["text"]]
    decision, = of_kind(result, "decision")
    assert decision["rules"] == ["halted_wake", "deliver"]
    assert result.state.status == "running" and result.state.host["halted"] is False
    assert of_kind(result, "insn")[0]["eip"] == build.address_of("journey_irq_1")


# -- edited source ------------------------------------------------------------------------------------------

def test_with_the_later_cmpl_fix_lg_irq_enable_does_send_interrupts(catalog, settings):
    from journey_app.errors import ToolchainMissing
    from journey_app.runs import CheckpointCache, Run, replay

    head = "arch/x86/lguest/i386_head.S"
    text = catalog.library.source("2.6.31", head)
    fixed = text.replace("testl $0, lguest_data+LGUEST_DATA_irq_pending", "cmpl $0, lguest_data+LGUEST_DATA_irq_pending")
    assert fixed != text
    try:
        result = replay(Run("2.6.31", "g033-irq-enable-pending", "step 4", {head: fixed}), catalog=catalog,
                        settings=settings, cache=CheckpointCache())
    except ToolchainMissing:
        import pytest
        pytest.skip("cpp/as/ld are not installed")

    jnz = of_kind(result, "insn")[-1]
    assert jnz["text"].startswith("jne") and jnz["branch"] == "taken"
    assert result.state.location["symbol"] == "send_interrupts"


def test_run_until_a_label_also_stops_at_its_physical_alias(run, build):
    result = run("g020-boot", "run_until lguest_entry+13")      # the movl to %esp, reached at its PA

    assert result.state.eip == build.address_of("lguest_entry") + 13 - PAGE_OFFSET
    assert result.state.status == "running" and result.state.insn_count == 5


# -- set_interrupt() kicks the Guest (issue 13 item 8) --------------------------------------------------------

def test_raise_irq_kicks_the_guest_so_the_host_looks_at_once(run, build):
    result = run("m004-frame", "raise_irq 1")

    decision, = of_kind(result, "decision")
    assert decision["trigger"] == "kick" and decision["rule"] == "deliver"
    assert result.state.eip == build.address_of("journey_irq_1")
    assert result.state.host["kick"] is True


def test_a_halted_guest_is_woken_by_the_kick_itself(run, build):
    result = run("m004-frame", "set host.halted 1; step 3; raise_irq 1")

    decision, = of_kind(result, "decision")
    assert decision["rules"] == ["halted_wake", "deliver"]
    assert result.state.status == "running" and result.state.eip == build.address_of("journey_irq_1")


def test_without_the_kick_raise_irq_only_marks_the_irq_pending(run):
    result = run("m004-frame", "set host.kick 0; raise_irq 1")

    assert of_kind(result, "decision") == [] and result.state.host["irqs_pending"] == 0b10
    assert result.state.host["kick"] is False
