"""The real GNU toolchain as the ground truth for bytes and lines: build, cache, line map, disassembly."""

from .build import PAGE_OFFSET, Build, LineCode, SourceRef
from .disasm import Insn, disassemble
from .runner import Limits, require_toolchain
from .store import BuildStore

__all__ = ["PAGE_OFFSET", "Build", "BuildStore", "Insn", "LineCode", "Limits", "SourceRef",
           "disassemble", "require_toolchain"]
