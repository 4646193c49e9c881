"""The guest machine behaves like the CPU lguest's Guest runs on: ring 1, flat lguest selectors, RAM seen at
0 and PAGE_OFFSET, vmcall trapping as #UD, `int $0x1f` arriving past the int, faults reported, exact counts."""

from __future__ import annotations

import struct

from journey_app.guest import Machine
from journey_app.toolchain import PAGE_OFFSET

from .conftest import SCRATCH


def test_guest_starts_at_ring_1_with_lguest_selectors(machine):
    regs = machine.regs.snapshot()

    assert (regs["cs"], regs["ss"], regs["ds"], regs["es"]) == (0x61, 0x69, 0x69, 0x69)
    assert regs["eflags"] == 0x202


def test_the_same_memory_is_seen_at_physical_and_page_offset_addresses(machine, load_code):
    # movl $0x12345678, 0x300000 (a physical address), run at the PAGE_OFFSET alias
    load_code(b"\xc7\x05" + struct.pack("<II", 0x300000, 0x12345678))

    machine.run(1)

    assert machine.read(PAGE_OFFSET + 0x300000, 4) == struct.pack("<I", 0x12345678)


def test_image_is_loaded_at_its_physical_address(machine, build):
    entry = build.address_of("lguest_entry")

    assert machine.read(entry - PAGE_OFFSET, 5) == build.read(entry, 5)


def test_vmcall_traps_as_invalid_opcode_at_the_site(machine, build):
    entry = build.address_of("lguest_entry") - PAGE_OFFSET
    machine.regs["eip"] = entry

    exit = machine.run(3)

    assert (exit.kind, exit.vector, exit.executed) == ("trap", 6, 3)
    assert machine.eip == entry + 10
    assert machine.read(machine.eip, 3) == b"\x0f\x01\xc1"


def test_int_0x1f_arrives_with_eip_past_the_int(machine, load_code):
    at = load_code(b"\xcd\x1f\x90")

    exit = machine.run(1)

    assert (exit.kind, exit.vector) == ("trap", 0x1F)
    assert machine.eip == at + 2


def test_iret_to_the_same_ring_pops_eip_cs_eflags(machine, load_code):
    target = SCRATCH + 0x100
    machine.write(target, b"\x90")
    load_code(b"\xcf")
    esp = machine.regs["esp"] = PAGE_OFFSET + 0x280000
    machine.write(esp, struct.pack("<III", target, 0x61, 0x246))

    exit = machine.run(1)

    assert exit.kind == "count"
    regs = machine.regs.snapshot()
    assert (regs["eip"], regs["cs"], regs["eflags"], regs["esp"]) == (target, 0x61, 0x246, esp + 12)


def test_push_and_pop_move_esp_and_memory(machine, load_code):
    load_code(b"\x50\x5b")                       # pushl %eax; popl %ebx
    machine.regs["eax"] = 0xCAFE
    esp = machine.regs["esp"] = PAGE_OFFSET + 0x280000

    machine.run(1)
    assert machine.regs["esp"] == esp - 4 and machine.read(esp - 4, 4) == struct.pack("<I", 0xCAFE)
    machine.run(1)

    assert machine.regs["ebx"] == 0xCAFE and machine.regs["esp"] == esp


def test_ss_prefixed_store_reaches_lguest_data(machine, build, load_code):
    data = build.address_of("lguest_data")
    load_code(b"\x36\xa3" + struct.pack("<I", data))   # movl %eax, %ss:lguest_data
    machine.regs["eax"] = 0x202

    machine.run(1)

    assert machine.read(data, 4) == struct.pack("<I", 0x202)


def test_hlt_at_ring_1_is_a_general_protection_fault(machine, load_code):
    at = load_code(b"\xf4")

    exit = machine.run(1)

    assert (exit.kind, exit.vector) == ("trap", 13)
    assert machine.eip == at


def test_divide_by_zero_is_trap_0_at_the_div(machine, load_code):
    at = load_code(b"\x31\xc9\xf7\xf1")          # xorl %ecx,%ecx; divl %ecx

    exit = machine.run(5)

    assert (exit.kind, exit.vector, exit.executed) == ("trap", 0, 2)
    assert machine.eip == at + 2


def test_reading_outside_guest_memory_is_a_fault_with_its_address(machine, load_code):
    load_code(b"\xa1" + struct.pack("<I", 0x02000000))   # movl 0x2000000, %eax

    exit = machine.run(1)

    assert (exit.kind, exit.vector, exit.address, exit.access) == ("fault", 14, 0x02000000, "read")


def test_other_invalid_opcodes_also_trap_6(machine, load_code):
    at = load_code(b"\x0f\x0b")                  # ud2

    exit = machine.run(1)

    assert (exit.kind, exit.vector) == ("trap", 6)
    assert machine.eip == at


def test_every_guest_write_is_logged_with_old_and_new_value(machine, build, load_code):
    data = build.address_of("lguest_data")
    at = load_code(b"\xc7\x05" + struct.pack("<II", data, 0x200))

    machine.run(1)

    (write,) = machine.writes
    assert (write.eip, write.address, write.size, write.old, write.new) == (at, data, 4, 0, 0x200)


def _at_restore_fl_caller(build) -> Machine:
    m = Machine(build)
    m.regs["eax"] = 0
    m.regs["esp"] = build.address_of("init_thread_union") + 8192
    m.regs["eip"] = build.address_of("journey_call_restore_fl")
    return m


def test_run_to_a_stop_counts_exactly_what_single_steps_count(build):
    done = build.address_of("journey_done")
    stepper, runner = _at_restore_fl_caller(build), _at_restore_fl_caller(build)
    steps = 0
    while stepper.eip != done:
        stepper.run(1)
        steps += 1

    exit = runner.run(1000, frozenset({done}))

    assert (exit.kind, exit.executed) == ("stop", steps)
    assert steps == 6                                    # call, movl, testl, jnz, ret, jmp
    assert runner.regs.snapshot() == stepper.regs.snapshot()
    assert [w.new for w in runner.writes] == [w.new for w in stepper.writes]


def test_a_long_run_to_a_stop_is_exact_and_keeps_only_its_own_writes(build, load_code, machine):
    # 300 x "incl counter", then a stop: the exact count needs bisection after the fast run overshoots
    counter = SCRATCH + 0x800
    body = (b"\xff\x05" + struct.pack("<I", counter)) * 300
    at = load_code(body + b"\x90")
    stop = at + len(body)

    exit = machine.run(100_000, frozenset({stop}))

    assert (exit.kind, exit.executed) == ("stop", 300)
    assert machine.read(counter, 4) == struct.pack("<I", 300)
    assert len(machine.writes) == 300


def test_a_run_that_reaches_no_stop_ends_after_exactly_count(machine, build):
    machine.regs["eip"] = build.address_of("lguest_init") + 1     # `1: jmp 1b`

    exit = machine.run(12345, frozenset({build.address_of("journey_done")}))

    assert (exit.kind, exit.executed) == ("count", 12345)


def test_restore_brings_back_the_pristine_image_and_forgets_translated_code(machine, build):
    site = build.address_of("lguest_entry") + 10
    machine.regs["eip"] = site
    assert machine.run(1).vector == 6            # translated once as a vmcall
    machine.write(site, b"\xcd\x1f\x90")
    assert machine.run(1).vector == 0x1F         # the rewrite is seen

    machine.restore(None, {})
    machine.regs["eip"] = site

    assert machine.read(site, 3) == b"\x0f\x01\xc1"
    assert machine.run(1).vector == 6


def test_a_captured_checkpoint_restores_registers_and_memory(machine, build, load_code):
    data = build.address_of("lguest_data")
    load_code(b"\xc7\x05" + struct.pack("<II", data, 0x200) + b"\x90")
    machine.run(1)
    pages, context = machine.ram.capture(None), machine.uc.context_save()
    eip = machine.eip
    machine.run(1)
    machine.write(data, b"\xff\xff\xff\xff")

    machine.restore(context, pages)

    assert machine.eip == eip
    assert machine.read(data, 4) == struct.pack("<I", 0x200)
