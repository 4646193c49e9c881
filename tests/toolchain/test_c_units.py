"""boot.c compiled by gcc: its own lines, the kernel's flags, every byte traced back by DWARF to the
boot.c line (and so the chapter) it came from."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from journey_app import paths
from journey_app.errors import BuildError, ContentError
from journey_app.journey.library import Library
from journey_app.toolchain import BuildStore
from journey_app.toolchain.cunits import KERNEL_CFLAGS, units
from journey_app.toolchain.pipeline import read_tree

BOOT = "arch/x86/lguest/boot.c"
STAGE = "glue/boot_c_stage.c"
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "linux-2.6.31" / BOOT


@pytest.fixture(scope="module")
def unit(kernel_dir):
    (found,) = units(read_tree(kernel_dir))
    return found


@pytest.fixture(scope="module")
def chapter_of():
    """The chapter a boot.c line belongs to: its owner, or for lines no chapter owns (code right after
    a chapter's closing `:*/`) the last chapter that started above it."""
    chapters = [c for c in Library(paths.bundled_content_root()).chapters("2.6.31") if c.file == BOOT]

    def find(line: int) -> str:
        above = [c for c in chapters if c.start_line <= line]
        return max(above, key=lambda c: c.start_line).id
    return find


def test_boot_c_is_the_kernel_file_byte_for_byte(kernel_dir):
    if not SEED.is_file():
        pytest.skip("the 2.6.31 seed is not beside this checkout")
    assert (kernel_dir / BOOT).read_bytes() == SEED.read_bytes()


def test_every_extract_is_declared_in_its_own_chapter(unit, chapter_of):
    assert len(unit.extracts) >= 40
    for ex in unit.extracts:
        assert chapter_of(ex.line) == ex.chapter, f"boot.c:{ex.line} {ex.text.splitlines()[0]}"


def test_each_compiled_function_is_made_of_boot_c_lines_of_the_right_chapter(fresh_build, unit, chapter_of):
    """Every byte of every function gcc emitted for the extracts comes from a boot.c line inside an
    extract, and that line's chapter is the extract's (inlined callees keep their own lines)."""
    owner = {line: ex for ex in unit.extracts for line in range(ex.line, ex.end + 1)}
    text = next(s for s in fresh_build.sections if s.name == ".c.text")
    declared = {m.group(1) for ex in unit.extracts if (m := re.search(r"(\w+)\(", ex.text.splitlines()[0]))}
    declared |= {"__raw_callee_save_" + re.search(r"\((\w+)\)", ex.text).group(1)
                 for ex in unit.extracts if ex.text.startswith("PV_CALLEE_SAVE_REGS_THUNK")}
    checked = 0
    for sym in fresh_build.symbols.values():
        if sym.kind != "func" or not text.address <= sym.address < text.address + text.size:
            continue
        if sym.name.split(".")[0] not in declared:
            continue
        address = sym.address
        while address < sym.address + sym.size:
            span = fresh_build.linemap.span_at(address)
            assert span is not None, f"{sym.name}+{address - sym.address} has no line"
            assert span.file == BOOT, f"{sym.name}+{address - sym.address} comes from {span.file}"
            ex = owner.get(span.line)
            assert ex is not None, f"{sym.name}: boot.c:{span.line} is not extracted text"
            assert chapter_of(span.line) == ex.chapter
            address = span.end
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("name, chapter", [
    ("irq_disable", "G:032"), ("__raw_callee_save_save_fl", "G:032"), ("lguest_write_idt_entry", "G:034"),
    ("async_hcall", "G:037"), ("lguest_cpuid", "G:038"), ("lguest_safe_halt", "G:038"), ("lguest_patch", "G:060"),
])
def test_named_functions_start_in_their_chapter(fresh_build, chapter_of, name, chapter):
    # gcc may clone a static function it specialises (async_hcall.constprop.0), as it would in the kernel
    sym = next(s for n, s in fresh_build.symbols.items() if n == name or n.startswith(name + "."))
    where = fresh_build.line_at(sym.address)
    assert where.file == BOOT and chapter_of(where.line) == chapter


def test_the_vmcall_of_lguest_write_idt_entry_is_on_its_kvm_hypercall3_line(fresh_build):
    line = fresh_build.lines(BOOT)[289]            # kvm_hypercall3(LHCALL_LOAD_IDT_ENTRY, ...)
    assert [i.mnemonic for i in line.insns][-1] == "vmcall"
    assert "movl $6, %eax" in [f"{i.mnemonic} {i.op_str}" for i in line.insns]


def test_dwarf_producer_records_the_kernel_flags(fresh_build):
    elf = ELFFile(io.BytesIO(fresh_build.elf))
    producers = [cu.get_top_DIE().attributes["DW_AT_producer"].value.decode()
                 for cu in elf.get_dwarf_info().iter_CUs()
                 if "DW_AT_producer" in cu.get_top_DIE().attributes
                 and b"GNU C" in cu.get_top_DIE().attributes["DW_AT_producer"].value]
    assert len(producers) == 1
    for flag in ("-m32", "-mregparm=3", "-O2", "-fno-stack-protector", "-ffreestanding", "-march=i686",
                 "-fno-strict-aliasing", "-fno-common", "-mpreferred-stack-boundary=2"):
        assert flag in KERNEL_CFLAGS and flag in producers[0]


def test_a_layout_that_drifts_from_the_kernel_does_not_compile(kernel_dir, tmp_path):
    tree = read_tree(kernel_dir)
    header = "standins/journey/boot_c.h"
    tree[header] = tree[header].replace(b"\tunsigned long cr2;\n", b"\tunsigned long cr2, extra;\n", 1)

    with pytest.raises(BuildError) as caught:
        BuildStore(tmp_path, prebuilt_dir=tmp_path / "none").build_tree(tree, "2.6.31")
    assert any("lguest_data layout" in m for m in caught.value.detail["messages"])


def test_a_manifest_line_that_is_not_the_kernel_text_is_refused(kernel_dir):
    tree = read_tree(kernel_dir)
    name = "glue/boot_c.toml"
    tree[name] = tree[name].replace(b"line = 102\n", b"line = 103\n", 1)

    with pytest.raises(ContentError) as caught:
        units(tree)
    assert "extract[0].text" in caught.value.message
