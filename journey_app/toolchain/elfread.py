"""Reads what the explorer needs out of a linked ELF: sections, symbols and the DWARF line table.

Pure functions over ELF bytes (pyelftools); no toolchain runs here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection


@dataclass(frozen=True)
class Section:
    name: str
    address: int
    load_address: int
    size: int
    data: bytes
    writable: bool
    executable: bool
    nobits: bool

    def to_json(self) -> dict:
        return {"name": self.name, "address": self.address, "load_address": self.load_address,
                "size": self.size, "writable": self.writable, "executable": self.executable,
                "nobits": self.nobits}


@dataclass(frozen=True)
class Symbol:
    name: str
    address: int
    size: int
    kind: str  # "func", "object", "label"
    binding: str  # "global", "local"

    def to_json(self) -> dict:
        return {"name": self.name, "address": self.address, "size": self.size,
                "kind": self.kind, "binding": self.binding}


@dataclass(frozen=True)
class LineRow:
    address: int
    file: str
    line: int | None  # None marks an end of sequence: the address just past the code


def _load_address(elf: ELFFile, vaddr: int) -> int:
    for seg in elf.iter_segments():
        if seg["p_type"] == "PT_LOAD" and seg["p_vaddr"] <= vaddr < seg["p_vaddr"] + max(seg["p_memsz"], 1):
            return seg["p_paddr"] + (vaddr - seg["p_vaddr"])
    return vaddr


def read_sections(elf_bytes: bytes) -> list[Section]:
    elf = ELFFile(io.BytesIO(elf_bytes))
    out = []
    for sec in elf.iter_sections():
        flags = sec["sh_flags"]
        if not flags & 0x2 or sec["sh_size"] == 0:  # SHF_ALLOC: only what is loaded into memory
            continue
        nobits = sec["sh_type"] == "SHT_NOBITS"
        out.append(Section(
            name=sec.name, address=sec["sh_addr"], load_address=_load_address(elf, sec["sh_addr"]),
            size=sec["sh_size"], data=b"" if nobits else sec.data(),
            writable=bool(flags & 0x1), executable=bool(flags & 0x4), nobits=nobits,
        ))
    return sorted(out, key=lambda s: s.address)


def read_symbols(elf_bytes: bytes) -> dict[str, Symbol]:
    elf = ELFFile(io.BytesIO(elf_bytes))
    table = elf.get_section_by_name(".symtab")
    symbols: dict[str, Symbol] = {}
    if not isinstance(table, SymbolTableSection):
        return symbols
    for sym in table.iter_symbols():
        kind = sym["st_info"]["type"]
        if not sym.name or kind in ("STT_FILE", "STT_SECTION") or sym["st_shndx"] in ("SHN_UNDEF", "SHN_ABS"):
            continue
        binding = "global" if sym["st_info"]["bind"] == "STB_GLOBAL" else "local"
        label = {"STT_FUNC": "func", "STT_OBJECT": "object"}.get(kind, "label")
        previous = symbols.get(sym.name)
        if previous is None or (previous.binding == "local" and binding == "global"):
            symbols[sym.name] = Symbol(sym.name, sym["st_value"], sym["st_size"], label, binding)
    return symbols


def read_line_rows(elf_bytes: bytes) -> list[LineRow]:
    """Sorted rows of the DWARF line table; DWARF 5 file numbers are 0-based, DWARF 2-4 1-based."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    if not elf.has_dwarf_info():
        return []
    dwarf = elf.get_dwarf_info()
    rows: list[LineRow] = []
    for cu in dwarf.iter_CUs():
        program = dwarf.line_program_for_CU(cu)
        if program is None:
            continue
        files = program.header["file_entry"]
        dirs = program.header["include_directory"]
        base = 0 if program.header["version"] >= 5 else 1
        for entry in program.get_entries():
            state = entry.state
            if state is None:
                continue
            entry_file = files[state.file - base]
            name = entry_file.name.decode()
            dir_index = entry_file.dir_index
            if program.header["version"] < 5:
                dir_index -= 1
            if 0 <= dir_index < len(dirs) and not name.startswith("/"):
                directory = dirs[dir_index].decode()
                if directory not in (".", ""):
                    name = f"{directory}/{name}"
            name = name.removeprefix("./")
            rows.append(LineRow(state.address, name, None if state.end_sequence else state.line))
    rows.sort(key=lambda r: (r.address, r.line is not None))
    return rows
