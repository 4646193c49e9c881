"""Issue 13 item 3: an interrupt while the Guest runs ring-3 code, compared with the kernel's own
set_guest_interrupt(). The state is the m004-user-irq scenario's real machine one instruction in
(16 MiB of guest memory, cs 0x73 / ss 0x7b, SET_STACK done), handed to both sides as it is."""

from __future__ import annotations

import copy

from journey_app.catalog import Catalog
from journey_app.guest.machine import Machine
from journey_app.host import Host
from journey_app.host.constants import PAGE_OFFSET
from journey_app.runs.scenarios import load_scenario
from journey_app.runs.setup import apply_scenario
from journey_app.runs.values import Values
from journey_app.settings import Settings

from .kernel_host import KernelHost, KState
from .model_side import differences, run_kernel, run_model


def scenario_moment(tmp_path) -> tuple[KState, int]:
    catalog = Catalog(Settings(cache_dir=tmp_path))
    build = catalog.build("2.6.31")
    scenario = load_scenario(catalog.content_root, "2.6.31", "m004-user-irq")
    machine, host = Machine(build), Host()
    apply_scenario(machine, host, Values(build), scenario)
    machine.run(1)                                         # one user-mode instruction
    host.irqs_pending |= 1 << 1                            # raise_irq 1
    regs = machine.regs.snapshot()
    state = KState(memory=bytearray(machine.ram.view[:host.mem_size]), regs={**regs, "gs": 0, "fs": 0},
                   lguest_data=host.lguest_data_addr - PAGE_OFFSET, irqs_pending=host.irqs_pending,
                   noirq_start=host.noirq_start, noirq_end=host.noirq_end, kernel_address=host.kernel_address,
                   ss1=host.ss1, esp1=host.esp1, stack_pages=host.stack_pages, pgdir0=host.boot_pgdir,
                   idt=dict(host.idt), gdt=dict(host.gdt), timestamps=host.timestamps)
    return state, host.mem_size


def test_a_user_mode_interrupt_pushes_five_words_on_the_set_stack_stack_like_the_kernel(tmp_path):
    state, mem_size = scenario_moment(tmp_path)
    assert (state.regs["cs"], state.regs["ss"]) == (0x73, 0x7B)
    model = run_model("interrupts", copy.deepcopy(state))
    kernel = run_kernel("interrupts", copy.deepcopy(state), KernelHost(mem_size))
    assert differences(model, kernel) == []
    top = state.esp1 - PAGE_OFFSET
    words = [int.from_bytes(kernel["memory"][top - 4 * (i + 1):top - 4 * i], "little") for i in range(5)]
    assert words == [0x7B, state.regs["esp"], state.regs["eflags"], 0x73, state.regs["eip"]]   # ss esp eflags cs eip
    assert (kernel["regs"]["ss"], kernel["regs"]["esp"], kernel["regs"]["cs"]) == (0x69, state.esp1 - 20, 0x61)
