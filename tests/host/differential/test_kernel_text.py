"""The harness compiles the kernel's own lines: every file it reads is byte-identical to the 2.6.31 seed,
and the functions cut out of larger files are found where the kernel has them."""

from __future__ import annotations

import pytest

from .build import KERNEL_FILES, PIECES, SEED_KERNEL, cut, kernel_root


@pytest.mark.parametrize("name", KERNEL_FILES)
def test_kernel_files_are_the_seed_bytes(name):
    assert (kernel_root() / name).read_bytes() == (SEED_KERNEL / name).read_bytes()


@pytest.mark.parametrize("name,start", [(n, s) for n, starts in PIECES.items() for s in starts])
def test_each_piece_is_a_whole_function_or_block(name, start):
    line, body = cut((kernel_root() / name).read_text(), start)
    assert line > 1
    if start.startswith("#"):
        assert body.startswith(start)
    else:
        assert f"{start}(" in body.split("\n")[0] and body.endswith("\n}")


def test_the_harness_links_and_reports_its_layout(kernel_for):
    kernel = kernel_for("idt")
    assert {"h_deliver", "h_trap", "h_hypercalls", "h_idt", "interrupt_pending", "try_deliver_interrupt",
            "deliver_trap", "copy_traps", "do_hypercalls", "lguest_arch_handle_trap"} <= set(kernel.symbols)
