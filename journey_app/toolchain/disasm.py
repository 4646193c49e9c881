"""Capstone disassembly of the bytes the real assembler produced, in AT&T syntax like the source.

Owns the one Capstone handle per process; never guesses instruction boundaries any other way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
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


WINDOW = 256          # bytes handed to Capstone per call: each byte is copied a bounded number of times
MAX_INSN = 15         # the longest x86 instruction


def disassemble(data: bytes, address: int) -> tuple[Insn, ...]:
    """Every instruction in data; bytes Capstone cannot decode become a `.byte` pseudo-insn."""
    return tuple(iter_disassemble(data, address))


def iter_disassemble(data: bytes, address: int) -> Iterator[Insn]:
    """disassemble() one instruction at a time, for callers that may stop early.

    Linear in len(data): Capstone decodes a window of WINDOW bytes per call (never `data[offset:]`, which
    made a long gap of undecodable bytes quadratic). Capstone stops at the first byte it cannot decode;
    within MAX_INSN of a window's end that may only be the window cutting an instruction short, so the
    next window starts there instead of calling it a `.byte`."""
    offset, end = 0, len(data)
    engine = _engine()
    while offset < end:
        window_start = offset
        window = data[window_start:window_start + WINDOW]
        cut = window_start + len(window) < end           # more data follows this window
        for _addr, size, mnemonic, op_str in engine.disasm_lite(window, address + window_start):
            if cut and offset + size > window_start + len(window) - MAX_INSN:
                break                                     # might be cut short: decode it in the next window
            yield Insn(address + offset, size, data[offset:offset + size], mnemonic, op_str)
            offset += size
        if offset >= end or (cut and offset > window_start):
            continue
        if cut and offset >= window_start + len(window) - MAX_INSN:
            continue
        yield Insn(address + offset, 1, data[offset:offset + 1], ".byte", f"0x{data[offset]:02x}")
        offset += 1


def disassemble_one(data: bytes, address: int) -> Insn | None:
    decoded = next(_engine().disasm_lite(data, address, 1), None)
    if decoded is None:
        return None
    _addr, size, mnemonic, op_str = decoded
    return Insn(address, size, data[:size], mnemonic, op_str)
