"""Ties the bytes of a linked image to source lines, from the DWARF line table.

gas emits one line-table row per instruction, so each row's first instruction belongs to
its line. Bytes after it and before the next row come from data directives (`.byte 0x0f,0x01,0xc1`)
or alignment padding (`ENTRY()`), which gas gives no row: they are attributed to the
source lines lying between the two rows that hold code (not comments or blanks).
gcc's rows (C) cover every byte up to the next row or the function's end, and are taken as they are.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from dataclasses import dataclass

from ..journey.comments import lex
from .disasm import Insn, disassemble, disassemble_one, iter_disassemble
from .elfread import LineRow


@dataclass(frozen=True)
class Span:
    """One contiguous run of bytes produced by one source line."""

    file: str
    line: int
    address: int
    data: bytes
    via: str  # "dwarf": a line-table row; "directive": bytes between rows

    @property
    def end(self) -> int:
        return self.address + len(self.data)


ASSEMBLER_SUFFIXES = (".S", ".s")


def code_lines(text: str) -> list[int]:
    """1-based numbers of lines holding something besides comments and blanks (the chapter lexer's view)."""
    lexed = lex(text.splitlines(), "asm")
    return [number for number, code in enumerate(lexed.has_code, start=1) if code]


# Directives that never emit bytes: a gap is never theirs.
_SILENT_DIRECTIVES = (".globl", ".global", ".text", ".data", ".bss", ".section", ".type", ".size",
                      ".local", ".weak", ".file", ".loc", ".set", ".equ", ".macro", ".endm", "#")


def _emits_bytes(code: str) -> bool:
    head = code.strip()
    if head.endswith(":") and " " not in head:  # a bare label
        return False
    return not head.startswith(_SILENT_DIRECTIVES)


def _is_padding(gap: bytes, address: int) -> bool:
    """NOPs that stop at an aligned address: what `.align 4,0x90` (ENTRY) emits."""
    # lazily: a long gap of data stops at its first non-nop instead of being disassembled whole
    return (address + len(gap)) % 4 == 0 and all(i.mnemonic == "nop" for i in iter_disassemble(gap, address))


def build_spans(rows: list[LineRow], read, sources: dict[str, str], func_ends: tuple[int, ...] = ()) -> list[Span]:
    """Spans for every row range; `read(address, size)` returns image bytes. A C span stops at the
    end of its function (`func_ends`): the alignment padding gcc puts after it belongs to no line."""
    spans: list[Span] = []
    code_by_file = {name: code_lines(text) for name, text in sources.items()}
    text_by_file = {name: text.splitlines() for name, text in sources.items()}
    for row, following in itertools.pairwise(rows):
        if row.line is None or following.address <= row.address:
            continue
        if not row.file.endswith(ASSEMBLER_SUFFIXES):
            cut = bisect.bisect_right(func_ends, row.address)
            stop = min(following.address, func_ends[cut]) if cut < len(func_ends) else following.address
            data = read(row.address, stop - row.address)
            # gcc writes a row whenever the line changes, not per instruction: everything up to the
            # next row is this line's (several instructions, many rows per line, in any order).
            spans.append(Span(row.file, row.line, row.address, data, "dwarf"))
            continue
        data = read(row.address, following.address - row.address)
        insn = disassemble_one(data, row.address)
        size = insn.size if insn is not None else len(data)
        spans.append(Span(row.file, row.line, row.address, data[:size], "dwarf"))
        gap = data[size:]
        if not gap:
            continue
        upper = following.line if following.line is not None and following.file == row.file else None
        candidates = [n for n in code_by_file.get(row.file, [])
                      if n > row.line and (upper is None or n < upper)]
        lines = text_by_file.get(row.file, [])
        emitting = [n for n in candidates if _emits_bytes(_strip_comment(lines[n - 1]))] or candidates
        if emitting:
            # Data directives (`.byte`) emit right after the previous instruction; alignment
            # padding (an ENTRY's `.align`) sits right before the next, aligned, instruction.
            owner = emitting[-1] if _is_padding(gap, row.address + size) else emitting[0]
            spans.append(Span(row.file, owner, row.address + size, gap, "directive"))
        else:
            spans.append(Span(row.file, row.line, row.address + size, gap, "directive"))
    return spans


def _strip_comment(line: str) -> str:
    return line.split("/*", 1)[0]


class LineMap:
    """address → span and (file, line) → spans, both directions from the same spans."""

    def __init__(self, spans: list[Span]):
        self._spans = sorted(spans, key=lambda s: s.address)
        self._starts = [s.address for s in self._spans]
        self._by_line: dict[tuple[str, int], list[Span]] = {}
        for span in self._spans:
            self._by_line.setdefault((span.file, span.line), []).append(span)

    def span_at(self, address: int) -> Span | None:
        index = bisect.bisect_right(self._starts, address) - 1
        if index >= 0 and address < self._spans[index].end:
            return self._spans[index]
        return None

    def spans_for(self, file: str, line: int) -> list[Span]:
        return self._by_line.get((file, line), [])

    def files(self) -> list[str]:
        return sorted({file for file, _line in self._by_line})

    def lines(self, file: str) -> list[int]:
        return sorted(line for f, line in self._by_line if f == file)

    def insns(self, file: str, line: int, run_address=None) -> tuple[Insn, ...]:
        """The line's instructions. `run_address(address)` is where the bytes execute when that differs
        from their link address (code run before paging); relative targets are decoded from there,
        and each Insn keeps its link address."""
        out: list[Insn] = []
        for span in self.spans_for(file, line):
            run = run_address(span.address) if run_address else span.address
            for insn in disassemble(span.data, run):
                out.append(dataclasses.replace(insn, address=insn.address - run + span.address))
        return tuple(out)

    def all_spans(self) -> list[Span]:
        return list(self._spans)
