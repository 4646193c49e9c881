"""Capstone disassembly of the bytes the real assembler produced, in AT&T syntax like the source.

Owns the one Capstone handle per process; never guesses instruction boundaries any other way.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import capstone


@dataclass(frozen=True)
class Insn:
    address: int
    size: int
    bytes: bytes
    mnemonic: str
    op_str: str

    @property
    def text(self) -> str:
        return f"{self.mnemonic} {self.op_str}".strip()

    def to_json(self) -> dict:
        return {"address": self.address, "size": self.size, "bytes": self.bytes.hex(" "),
                "mnemonic": self.mnemonic, "op_str": self.op_str, "text": self.text}


@functools.lru_cache(maxsize=1)
def _engine() -> capstone.Cs:
    engine = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_32)
    engine.syntax = capstone.CS_OPT_SYNTAX_ATT
    return engine


def disassemble(data: bytes, address: int) -> tuple[Insn, ...]:
    """Every instruction in data; bytes Capstone cannot decode become a `.byte` pseudo-insn."""
    out: list[Insn] = []
    offset = 0
    while offset < len(data):
        decoded = next(_engine().disasm_lite(data[offset:], address + offset, 1), None)
        if decoded is None:
            out.append(Insn(address + offset, 1, data[offset:offset + 1], ".byte", f"0x{data[offset]:02x}"))
            offset += 1
            continue
        _addr, size, mnemonic, op_str = decoded
        out.append(Insn(address + offset, size, data[offset:offset + size], mnemonic, op_str))
        offset += size
    return tuple(out)


def disassemble_one(data: bytes, address: int) -> Insn | None:
    decoded = next(_engine().disasm_lite(data, address, 1), None)
    if decoded is None:
        return None
    _addr, size, mnemonic, op_str = decoded
    return Insn(address, size, data[:size], mnemonic, op_str)
