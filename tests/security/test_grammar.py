"""The edit sandbox's allow-list grammar and GAS's number syntax, line by line (no tools run here)."""

from __future__ import annotations

import pytest

from journey_app.errors import SandboxRefused
from journey_app.toolchain.gas_numbers import NotANumber, read_number
from journey_app.toolchain.gas_words import is_mnemonic, is_register
from journey_app.toolchain.sandbox_rules import LineBudget, MacroTable, SandboxPolicy, check_line

POLICY = SandboxPolicy()


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("100", 100), ("0100", 64), ("0x1F", 31), ("0X1f", 31), ("0b101", 5), ("0B11", 3), ("'A", 65),
    ("007", 7), ("4294967295", 4294967295),
])
def test_gas_numbers(text, value):
    assert read_number(text).value == value


@pytest.mark.parametrize("text, words", [
    ("08", "octal"), ("0x", "hexadecimal"), ("0b2", "binary"), ("1f", "local label"), ("0b", "local label"),
    ("0f1", "floating-point"), ("'\\n", "escapes"), ("'ab", "one quote and one character"), ("9" * 50, "more than"),
])
def test_not_gas_numbers(text, words):
    with pytest.raises(NotANumber) as info:
        read_number(text)
    assert words in str(info.value)


def test_words_come_from_capstone_and_gas():
    for word in ("movl", "testl", "cmpl", "jnz", "jne", "iret", "pushfl", "movzbl", "cltd", "lock", "vmcall", "ljmp"):
        assert is_mnemonic(word), word
    for word in ("incbin", "C", "ENTRY", "_Pragma", "evil"):
        assert not is_mnemonic(word), word
    assert is_register("eax") and is_register("ss") and is_register("cr3") and is_register("st")
    assert not is_register("evil")


@pytest.mark.parametrize("text, out", [
    ("\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending", "\tcmpl $0, lguest_data+20"),
    ("\tnop /* c */ # trailing", "\tnop"),
    ("1: jmp 1b", "\t1: jmp 1b"),
    ("\t.rept 0b10; nop; .endr", "\t.rept 0b10; nop; .endr"),
])
def test_lines_as_the_assembler_reads_them(text, out):
    macros = MacroTable({"LGUEST_DATA_irq_pending": "20"}, frozenset({"ENTRY"}))
    assert check_line(78, text, POLICY, LineBudget(), macros) == out


def test_a_macro_that_expands_to_refused_text_is_refused():
    macros = MacroTable({"EVIL": '.incbin "/etc/passwd"'}, frozenset())
    with pytest.raises(SandboxRefused) as info:
        check_line(78, "\tEVIL", POLICY, LineBudget(), macros)
    assert "EVIL stands for" in info.value.detail["reason"]


def test_repeats_multiply_the_byte_budget():
    budget = LineBudget()
    check_line(78, "\t.rept 64", POLICY, budget)
    with pytest.raises(SandboxRefused) as info:
        check_line(79, "\t.skip 1025", POLICY, budget)
    assert info.value.detail["line"] == 79 and "65600" in info.value.detail["reason"]


def test_alignment_counts_its_worst_case_padding():
    budget = LineBudget()
    for line in range(16):
        check_line(70 + line, "\t.balign 4096", POLICY, budget)
    with pytest.raises(SandboxRefused):
        check_line(86, "\t.balign 4096", POLICY, budget)
