"""The words an edited line may start a statement with: i386 instruction mnemonics and register names,
taken from Capstone (the same tables the site disassembles with) plus GAS's AT&T spellings.

Owns `is_mnemonic` and `is_register`; must not decide anything about directives (sandbox_rules does).
"""

from __future__ import annotations

import functools

from capstone import x86_const

# AT&T operand-size suffixes GAS accepts after a base mnemonic (movl, pushw, fldt, ...).
SIZE_SUFFIXES = ("b", "w", "l", "q", "s", "t")
# GAS's condition-code spellings (tc-i386 / i386-opc.tbl): every one exists for j*, set*, cmov*.
CONDITIONS = ("o", "no", "b", "c", "nae", "ae", "nb", "nc", "e", "z", "ne", "nz", "be", "na", "a", "nbe",
              "s", "ns", "p", "pe", "np", "po", "l", "nge", "ge", "nl", "le", "ng", "g", "nle")
# AT&T names with no Capstone base spelling: sign/zero extension with both sizes, the conversions,
# far transfers, and the size-suffixed forms of stack/flag/string instructions.
ATT_EXTRA = (
    "movzbw", "movzbl", "movzwl", "movsbw", "movsbl", "movswl", "movzb", "movzw", "movsb", "movsw",
    "cbtw", "cwtl", "cwtd", "cltd", "cltq", "cqto", "lcall", "ljmp", "lret", "iretl", "iretw",
    "pushfl", "popfl", "pushfw", "popfw", "pushal", "popal", "pushaw", "popaw", "jcxz", "jecxz",
    "repz", "repnz", "repe", "repne", "rep", "lock", "addr16", "addr32", "data16", "data32",
)


@functools.lru_cache(maxsize=1)
def _mnemonics() -> frozenset[str]:
    base = {name[len("X86_INS_"):].lower() for name in dir(x86_const)
            if name.startswith("X86_INS_") and name not in ("X86_INS_INVALID", "X86_INS_ENDING")}
    words = set(base) | set(ATT_EXTRA)
    for prefix in ("j", "set", "cmov"):
        words.update(prefix + cc for cc in CONDITIONS)
    words.update(w + s for w in list(words) for s in SIZE_SUFFIXES)
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def _registers() -> frozenset[str]:
    names = {name[len("X86_REG_"):].lower() for name in dir(x86_const)
             if name.startswith("X86_REG_") and name not in ("X86_REG_INVALID", "X86_REG_ENDING")}
    return frozenset(names | {"st", "eiz", "riz"})


def is_mnemonic(word: str) -> bool:
    return word.lower() in _mnemonics()


def is_register(name: str) -> bool:
    """`name` without its '%': eax, ss, cr3, st (as in %st(1)), xmm0, ..."""
    return name.lower() in _registers()
