"""`Build`: one linked Guest image with its sections, symbols and address ↔ source-line map.

Constructed from ELF bytes plus the source texts; answers every "what is at this address /
what did this line become" question for the other layers. Never runs a tool itself.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .disasm import Insn
from .elfread import Section, Symbol, read_line_rows, read_sections, read_symbols
from .linemap import LineMap, build_spans

PAGE_OFFSET = 0xC0000000
# Sections whose code runs at its physical address (before the Guest has page tables of its own).
RUN_PHYSICAL = (".init.text",)


@dataclass(frozen=True)
class SourceRef:
    file: str
    line: int

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line}


@dataclass(frozen=True)
class LineCode:
    """What one source line became: its first address, all its bytes and their instructions."""

    file: str
    line: int
    address: int
    size: int
    data: bytes
    insns: tuple[Insn, ...]
    via: str

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "address": self.address, "size": self.size,
                "bytes": self.data.hex(" "), "via": self.via, "insns": [i.to_json() for i in self.insns]}


@dataclass
class Build:
    version: str
    input_hash: str
    elf: bytes
    sources: dict[str, str]
    toolchain: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    origin: str = "built"  # "built", "cache" or "prebuilt"

    def __post_init__(self):
        self.sections: list[Section] = read_sections(self.elf)
        self.symbols: dict[str, Symbol] = read_symbols(self.elf)
        self.page_offset = PAGE_OFFSET
        rows = read_line_rows(self.elf)
        ends = tuple(sorted({s.address + s.size for s in self.symbols.values() if s.kind == "func" and s.size}))
        self.linemap = LineMap(build_spans(rows, self.read, self.sources, ends))
        ordered = sorted(self.symbols.values(), key=lambda s: (s.address, s.binding != "global", s.name))
        self._sym_sorted = ordered
        self._sym_addrs = [s.address for s in ordered]
        self._line_cache: dict[str, dict[int, LineCode]] = {}

    # -- memory image -------------------------------------------------------------------
    @property
    def entry(self) -> int:
        return int.from_bytes(self.elf[24:28], "little")

    def read(self, address: int, size: int) -> bytes:
        """Initial image bytes at a virtual address (zeros for .bss and holes)."""
        out = bytearray(size)
        for sec in self.sections:
            lo, hi = max(address, sec.address), min(address + size, sec.address + sec.size)
            if lo < hi and not sec.nobits:
                out[lo - address:hi - address] = sec.data[lo - sec.address:hi - sec.address]
        return bytes(out)

    def image_range(self) -> tuple[int, int]:
        """[lowest, highest) virtual address of everything loaded."""
        return (min(s.address for s in self.sections), max(s.address + s.size for s in self.sections))

    # -- symbols -------------------------------------------------------------------------
    def address_of(self, name: str) -> int | None:
        sym = self.symbols.get(name)
        return None if sym is None else sym.address

    def symbol_at(self, address: int) -> tuple[Symbol, int] | None:
        """The closest symbol at or below address, and the offset from it."""
        index = bisect.bisect_right(self._sym_addrs, address) - 1
        if index < 0:
            return None
        sym = self._sym_sorted[index]
        # Prefer the first (global) name among symbols sharing this address.
        first = bisect.bisect_left(self._sym_addrs, sym.address)
        sym = self._sym_sorted[first]
        return sym, address - sym.address

    def symbolize(self, address: int) -> str | None:
        found = self.symbol_at(address)
        if found is None:
            return None
        sym, offset = found
        if sym.size and offset >= sym.size and sym.kind == "object":
            return None
        return sym.name if offset == 0 else f"{sym.name}+{offset}"

    def run_address(self, address: int) -> int:
        """Where code at link address `address` executes: its physical (load) address in the sections
        the Guest runs before it has its own page tables (lguest_entry in .init.text is entered at its
        physical address through head_32.S's subarch_entries), else the link address itself."""
        for sec in self.sections:
            if sec.name in RUN_PHYSICAL and sec.address <= address < sec.address + sec.size:
                return address - sec.address + sec.load_address
        return address

    # -- lines ---------------------------------------------------------------------------
    def line_at(self, address: int) -> SourceRef | None:
        span = self.linemap.span_at(address)
        return None if span is None else SourceRef(span.file, span.line)

    def lines(self, file: str) -> dict[int, LineCode]:
        cached = self._line_cache.get(file)
        if cached is None:
            cached = {}
            for line in self.linemap.lines(file):
                spans = self.linemap.spans_for(file, line)
                data = b"".join(s.data for s in spans)
                cached[line] = LineCode(file, line, spans[0].address, len(data), data,
                                        self.linemap.insns(file, line, self.run_address), spans[0].via)
            self._line_cache[file] = cached
        return cached

    def files(self) -> list[str]:
        return self.linemap.files()

    def to_json(self) -> dict:
        return {
            "version": self.version, "input_hash": self.input_hash, "origin": self.origin,
            "entry": self.entry, "page_offset": self.page_offset, "toolchain": self.toolchain,
            "sections": [s.to_json() for s in self.sections],
            "symbols": {name: s.to_json() for name, s in sorted(self.symbols.items(), key=lambda kv: kv[1].address)},
            "lines": {file: [lc.to_json() for lc in self.lines(file).values()] for file in self.files()},
        }
