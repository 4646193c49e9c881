"""Issue 13's edges, each the way a kernel developer tried it (bytes placed in lguest_data.cr2 and run):
the CPU's IDT as copy_traps() builds it, port I/O, the real IF, SHUTDOWN(RESTART). Each failed before."""

from __future__ import annotations

import pytest

from journey_app.errors import BadInput

from .conftest import field, of_kind

AT_CR2 = "set eip lguest_data+8"          # run the two bytes placed in lguest_data.cr2
INSTALL_SYSCALL_GATE = ("set host.irqs_pending 0; step 6; set eax 6; set ebx 0x80; set ecx 0x006000ac; "
                        "set edx 0xc010ef00; step")      # LHCALL_LOAD_IDT_ENTRY: 0x80 = trap gate, DPL 3


def test_int_0x80_through_the_guests_trap_gate_enters_it_directly_with_the_real_eflags(run):
    result = run("g033-restore-fl-pending", f"{INSTALL_SYSCALL_GATE}; set lguest_data.cr2 0x80cd; {AT_CR2}; "
                 "set irq_enabled 0; step")

    trap = of_kind(result, "trap")[-1]
    assert trap["outcome"] == "direct" and trap["vector"] == 0x80
    words = {w["label"]: w["value"] for w in trap["frame"]["words"]}
    assert words["eflags"] & 0x200, "the CPU pushes eflags with IF=1 (M:004's exception)"
    assert words["eip"] == 0xC010100A                       # past the int
    assert result.state.registers["eip"] == 0xC01000AC
    assert field(result.state, "irq_enabled") == 0          # a trap gate leaves the virtual flag alone
    assert all(d["seq"] < trap["seq"] for d in of_kind(result, "decision"))   # the Host never looked


@pytest.mark.parametrize("code,errcode", [(0x21CD, 0x10A), (0x80CD, 0x402), (0xCC, 0x1A)])
def test_a_software_int_through_a_dpl0_gate_is_a_general_protection_fault(run, code, errcode):
    result = run("g055-templates", f"set lguest_data.cr2 {code:#x}; {AT_CR2}; step")

    fault = of_kind(result, "fault")[-1]
    assert (fault["trap"], fault["errcode"]) == (13, errcode)
    assert result.state.host["dead"] == f"unhandled trap 13 at 0xc0101008 ({errcode:#x})"
    assert not of_kind(result, "decision")


def test_in_at_ring_1_traps_and_the_host_emulates_it(run):
    result = run("g055-templates", f"set eax 0x12345678; set lguest_data.cr2 0x60e4; {AT_CR2}; step")

    trap = of_kind(result, "trap")[-1]
    assert trap["outcome"] == "emulated" and trap["trap"] == 13
    assert result.state.registers["eax"] == 0x1234FFFF     # emulate_insn: eax |= 0xFFFF << shift
    assert result.state.registers["eip"] == 0xC010100A     # past the two-byte `in`
    assert result.state.host["dead"] is None


def test_out_with_the_operand_prefix_is_stepped_over_too(run):
    result = run("g055-templates", f"set eax 7; set lguest_data.cr2 0xef66; {AT_CR2}; step")

    assert of_kind(result, "trap")[-1]["outcome"] == "emulated"
    assert result.state.registers["eax"] == 7 and result.state.registers["eip"] == 0xC010100A



def test_set_if_0_is_refused_with_the_reason(run):
    with pytest.raises(BadInput) as caught:
        run("m004-frame", "set IF 0; host_check")
    assert "never runs with IF=0" in caught.value.message


def test_shutdown_restart_makes_dead_err_ptr_erestart_and_says_restart(run):
    # "hi" in lguest_data.cr2 (guest-physical 0x101008) is the message; ecx = LGUEST_SHUTDOWN_RESTART
    result = run("g033-restore-fl-pending", "set lguest_data.cr2 0x6968; step 6; set eax 2; set ebx 0x101008; "
                 "set ecx 2; step")

    assert result.state.host["restart"] is True
    assert result.state.host["dead"] == "ERR_PTR(-ERESTART)"
    assert result.state.status == "dead" and result.state.reason.startswith("restart")
    assert of_kind(result, "killed")[0]["reason"] == "CRASH: hi"


def test_a_scenario_cannot_start_the_guest_with_if_clear(tmp_path, catalog, settings, build):
    from pathlib import Path

    from journey_app.errors import ContentError
    from journey_app.runs import CheckpointCache, Run, replay

    source = Path(catalog.content_root) / "scenarios" / "2.6.31" / "m004-frame.toml"
    folder = tmp_path / "scenarios" / "2.6.31"
    folder.mkdir(parents=True)
    (tmp_path / "kernels").symlink_to(Path(catalog.content_root) / "kernels")
    (folder / "m004-frame.toml").write_text(source.read_text() + "\n[registers]\neflags = 0x2\n")
    here = type(catalog)(type(settings)(content_root=tmp_path, cache_dir=settings.cache_dir))
    with pytest.raises(ContentError) as caught:
        replay(Run("2.6.31", "m004-frame", "step"), catalog=here, settings=settings, build=build,
               cache=CheckpointCache())
    assert caught.value.detail["field"] == "registers.eflags"
