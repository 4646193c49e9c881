"""C beside its machine code (Compiler Explorer style) for chapters of a C file: the functions gcc
emitted whose first line lies in the chapter, every instruction tagged with the C line it came from
and a colour shared with that line. A view model for `_c_asm.html`; no routes here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...journey import Chapter
from ...toolchain.build import Build
from ...toolchain.disasm import disassemble

PALETTE = 8                           # colour classes casm-c0 .. casm-c7 (static/css/casm.css)


@dataclass(frozen=True)
class AsmLine:
    address: int
    bytes_text: str
    text: str
    file: str
    line: int | None
    colour: int | None


@dataclass(frozen=True)
class AsmRun:
    """Consecutive instructions that came from one source line (the page prints the line once above them)."""
    file: str
    line: int | None
    colour: int | None
    insns: tuple[AsmLine, ...]


@dataclass(frozen=True)
class AsmFunction:
    name: str
    address: int
    size: int
    insns: tuple[AsmLine, ...]

    @property
    def runs(self) -> tuple[AsmRun, ...]:
        out: list[AsmRun] = []
        for insn in self.insns:
            if out and (out[-1].file, out[-1].line) == (insn.file, insn.line):
                out[-1] = AsmRun(insn.file, insn.line, insn.colour, out[-1].insns + (insn,))
            else:
                out.append(AsmRun(insn.file, insn.line, insn.colour, (insn,)))
        return tuple(out)

    @property
    def bytes_width(self) -> int:
        """Width of the widest byte column: the text column starts after it, as in objdump."""
        return max((len(i.bytes_text) for i in self.insns), default=0)


@dataclass(frozen=True)
class CAsmView:
    file: str
    functions: tuple[AsmFunction, ...]
    colours: dict[int, int]           # C line -> colour index, for the source listing

    def to_json(self) -> dict:
        return {"file": self.file, "colours": {str(k): v for k, v in sorted(self.colours.items())},
                "functions": [{"name": f.name, "address": f.address, "size": f.size,
                               "insns": [{"address": i.address, "bytes": i.bytes_text, "text": i.text,
                                          "file": i.file, "line": i.line} for i in f.insns]}
                              for f in self.functions]}


def c_asm_view(build: Build | None, chapter: Chapter, next_start: int | None) -> CAsmView | None:
    """The view for a chapter of a .c file (None for assembler chapters or without a build). A function
    belongs to the chapter when its entry's line lies between the chapter's first line and the next
    chapter's (code right after a chapter's closing `:*/` is still explained by it)."""
    if build is None or not chapter.file.endswith(".c"):
        return None
    upper = next_start if next_start is not None else 1 << 30
    functions = []
    for sym in sorted(build.symbols.values(), key=lambda s: s.address):
        if sym.kind != "func" or not sym.size:
            continue
        where = build.line_at(sym.address)
        if where is None or where.file != chapter.file or not chapter.start_line <= where.line < upper:
            continue
        rows = []
        for insn in disassemble(build.read(sym.address, sym.size), sym.address):
            ref = build.line_at(insn.address)
            rows.append((insn, ref))
        functions.append((sym, rows))
    if not functions:
        return None
    colours: dict[int, int] = {}
    out = []
    for sym, rows in functions:
        insns = []
        for insn, ref in rows:
            line = ref.line if ref is not None and ref.file == chapter.file else None
            if line is not None and line not in colours:
                colours[line] = len(colours) % PALETTE
            insns.append(AsmLine(insn.address, insn.bytes.hex(" "), insn.text, ref.file if ref else "",
                                 ref.line if ref else None, colours.get(line) if line is not None else None))
        out.append(AsmFunction(sym.name, sym.address, sym.size, tuple(insns)))
    return CAsmView(chapter.file, tuple(out), colours)
