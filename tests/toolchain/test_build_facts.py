"""Real facts about the real assembler's output for i386_head.S (issue 3, item 4)."""

from __future__ import annotations

HEAD = "arch/x86/lguest/i386_head.S"


def _line_containing(build, text):
    source = build.sources[HEAD].splitlines()
    return next(n for n, line in enumerate(source, start=1) if text in line)


def test_kvm_hypercall_byte_lines_decode_as_vmcall(fresh_build, head_lines):
    source = fresh_build.sources[HEAD].splitlines()
    byte_lines = [n for n, line in enumerate(source, start=1) if ".byte 0x0f,0x01,0xc1" in line]

    assert byte_lines == [35, 104]
    for number in byte_lines:
        assert head_lines[number].data == bytes.fromhex("0f01c1")
        assert [insn.mnemonic for insn in head_lines[number].insns] == ["vmcall"]


def test_testl_zero_irq_pending_is_present_with_its_address(fresh_build, head_lines):
    number = _line_containing(fresh_build, "testl $0, lguest_data+LGUEST_DATA_irq_pending")
    lguest_data = fresh_build.address_of("lguest_data")

    code = head_lines[number]

    assert code.data[:2] == bytes.fromhex("f705")
    assert int.from_bytes(code.data[2:6], "little") == lguest_data + 20
    assert code.insns[0].text == f"testl $0, {lguest_data + 20:#x}"
    assert fresh_build.line_at(code.address).line == number


def test_noirq_labels_bound_the_two_instructions_before_iret(fresh_build):
    start = fresh_build.address_of("lguest_noirq_start")
    end = fresh_build.address_of("lguest_noirq_end")

    from journey_app.toolchain import disassemble
    window = disassemble(fresh_build.read(start, end - start), start)

    assert [i.text for i in window] == [
        f"movl %eax, %ss:{fresh_build.address_of('lguest_data'):#x}", "popl %eax", "iretl"]
    assert window[0].bytes[0] == 0x36  # the %ss: prefix


def test_every_instruction_line_of_the_kernel_file_has_an_address(fresh_build, head_lines):
    from journey_app.toolchain.linemap import code_lines

    text = fresh_build.sources[HEAD].splitlines()
    in_macro = {n + 1 for n, line in enumerate(text, start=1) if line.rstrip().endswith("\\")}
    instruction_lines = [n for n in code_lines(fresh_build.sources[HEAD])
                         if n not in in_macro
                         and not text[n - 1].strip().startswith(("#", ".", "ENTRY", "LGUEST_PATCH("))
                         and not text[n - 1].strip().endswith(":")]

    missing = [n for n in instruction_lines if n not in head_lines]

    assert instruction_lines, "the file has instructions"
    assert missing == []


def test_lguest_entry_passes_lguest_data_physical_address_in_ebx(fresh_build, head_lines):
    physical = fresh_build.address_of("lguest_data") - fresh_build.page_offset

    assert head_lines[34].insns[0].text == f"movl ${physical:#x}, %ebx"


def test_kernel_is_linked_at_page_offset_plus_one_mib(fresh_build):
    text = next(s for s in fresh_build.sections if s.name == ".init.text")

    assert text.address == 0xC0100000
    assert text.load_address == 0x100000
    assert fresh_build.entry == fresh_build.address_of("lguest_entry") == 0xC0100000


def test_symbolize_names_struct_fields_by_offset(fresh_build):
    base = fresh_build.address_of("lguest_data")

    assert fresh_build.symbolize(base) == "lguest_data"
    assert fresh_build.symbolize(base + 20) == "lguest_data+20"


def test_line_map_round_trips_address_to_line(fresh_build, head_lines):
    for number, code in head_lines.items():
        for offset in range(code.size):
            assert fresh_build.line_at(code.address + offset).line == number


def test_init_text_is_decoded_where_it_runs_at_its_physical_address(fresh_build, head_lines):
    """G:020 runs lguest_entry at physical addresses, so line 41's relative `jmp lguest_init+__PAGE_OFFSET`
    lands on the virtual lguest_init; decoded at the link address it would read 0x80100xxx."""
    jmp = head_lines[41].insns[-1]
    assert jmp.mnemonic == "jmp"
    assert int(jmp.op_str, 16) == fresh_build.symbols["lguest_init"].address
    assert jmp.address == head_lines[41].address          # the listing still shows the link address
