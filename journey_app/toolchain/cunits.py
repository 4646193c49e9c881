"""Cuts the C the explorer compiles out of the kernel's own text: a manifest (glue/*.toml with
`[[extract]]` tables) names where each declaration starts in a .c file; the unit handed to gcc is
the stand-in prelude, every extract behind a `#line` naming its own file and line, then the stage.

Owns the manifest format and the gcc command line (the kernel's flags for the file); knows
nothing about lguest beyond what the manifest says.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from ..errors import ContentError

INCLUDE_DIR = "standins"           # gcc's only include path, as cpp's: the kernel's own headers never shadow it
MANIFEST_GLOB = "glue/"            # manifests are glue/<name>.toml with a `source` and [[extract]]s

# The kernel's flags for arch/x86/lguest/boot.c at 2.6.31 (top Makefile, arch/x86/Makefile,
# Makefile_32.cpu, arch/x86/lguest/Makefile), then what a modern gcc needs to mean the same.
KERNEL_CFLAGS = (
    "-m32", "-O2", "-g",
    # top Makefile KBUILD_CFLAGS
    "-fno-strict-aliasing", "-fno-common", "-fno-delete-null-pointer-checks", "-fno-strict-overflow",
    "-fomit-frame-pointer",                        # CONFIG_FRAME_POINTER unset (a lean Guest config)
    # arch/x86/Makefile, 32-bit
    "-msoft-float", "-mregparm=3", "-freg-struct-return", "-mpreferred-stack-boundary=2",
    "-march=i686", "-mtune=generic",               # CONFIG_M686 + CONFIG_X86_GENERIC
    "-mno-sse", "-mno-mmx", "-mno-sse2", "-mno-3dnow", "-ffreestanding",
    "-fno-asynchronous-unwind-tables",
    # arch/x86/lguest/Makefile: CFLAGS_boot.o := -fno-stack-protector
    "-fno-stack-protector",
    # gcc 12 defaults the 2009 compiler did not have
    "-fno-pic", "-fno-pie", "-fcf-protection=none", "-fno-stack-clash-protection", "-fno-ident",
)


@dataclass(frozen=True)
class Extract:
    chapter: str
    line: int                  # 1-based first line in the source
    end: int                   # 1-based last line
    text: str                  # the lines, exactly as the source has them


@dataclass(frozen=True)
class Unit:
    manifest: str
    source: str
    prelude: str
    stage: str | None
    extracts: tuple[Extract, ...]

    def text(self, tree: dict[str, bytes]) -> str:
        """The translation unit: prelude, then each extract behind its #line, then the stage."""
        out = [f"#include <{self.prelude}>"]
        for ex in self.extracts:
            out.append(f'#line {ex.line} "{self.source}"')
            out.append(ex.text)
        if self.stage is not None:
            out.append(f'#line 1 "{self.stage}"')
            out.append(tree[self.stage].decode("utf-8"))
        return "\n".join(out) + "\n"


def _fail(manifest: str, field: str, message: str) -> ContentError:
    return ContentError(f"{manifest}: {field}: {message}", {"file": manifest, "field": field})


_STRIP = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', re.S)


def extent(lines: list[str], start: int) -> int:
    """0-based last line of the declaration starting at 0-based `start`: braces balanced (comments,
    strings and character constants ignored), ending at a line whose code ends in `}` or `;`."""
    depth, opened, in_comment = 0, False, False
    for number in range(start, len(lines)):
        line = lines[number]
        if in_comment:
            if "*/" not in line:
                continue
            line, in_comment = line.split("*/", 1)[1], False
        code = _STRIP.sub(" ", line)
        if "/*" in code:
            code, in_comment = code.split("/*", 1)[0], True
        depth += code.count("{") - code.count("}")
        opened = opened or "{" in code
        tail = code.rstrip()
        if depth == 0 and tail.endswith(("}", ";")) and (opened or "{" not in code):
            return number
    raise ValueError("the declaration never ends")


def parse_manifest(name: str, raw: bytes, tree: dict[str, bytes]) -> Unit | None:
    """A Unit for a glue/*.toml that has a `source`; None for other TOML files."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _fail(name, "-", f"not valid TOML: {exc}") from None
    if "source" not in data:
        return None
    source, prelude, stage = data.get("source"), data.get("prelude"), data.get("stage")
    if not isinstance(source, str) or source not in tree:
        raise _fail(name, "source", f"{source!r} is not a file of this kernel")
    if not isinstance(prelude, str) or f"{INCLUDE_DIR}/{prelude}" not in tree:
        raise _fail(name, "prelude", f"{prelude!r} is not a header under {INCLUDE_DIR}/")
    if stage is not None and (not isinstance(stage, str) or stage not in tree):
        raise _fail(name, "stage", f"{stage!r} is not a file of this kernel")
    lines = tree[source].decode("utf-8").split("\n")
    extracts = []
    for index, item in enumerate(data.get("extract", [])):
        field = f"extract[{index}]"
        line, text, chapter = item.get("line"), item.get("text"), item.get("chapter")
        if not isinstance(line, int) or not 1 <= line <= len(lines):
            raise _fail(name, f"{field}.line", f"{line!r} is not a line of {source}")
        if lines[line - 1] != text:
            raise _fail(name, f"{field}.text", f"line {line} of {source} is {lines[line - 1]!r}, not {text!r}")
        if not isinstance(chapter, str):
            raise _fail(name, f"{field}.chapter", "must name the chapter, such as \"G:032\"")
        try:
            last = extent(lines, line - 1)
        except ValueError:
            raise _fail(name, f"{field}.line", f"the declaration at line {line} never ends") from None
        extracts.append(Extract(chapter, line, last + 1, "\n".join(lines[line - 1:last + 1])))
    return Unit(name, source, prelude, stage, tuple(extracts))


def units(tree: dict[str, bytes]) -> list[Unit]:
    """Every C unit the tree asks for, in manifest name order."""
    found = []
    for name in sorted(tree):
        if name.startswith(MANIFEST_GLOB) and name.endswith(".toml"):
            unit = parse_manifest(name, tree[name], tree)
            if unit is not None:
                found.append(unit)
    return found


def gcc_argv(source: str, output: str, prefix_map: str) -> list[str]:
    return ["gcc", *KERNEL_CFLAGS, "-nostdinc", "-I", INCLUDE_DIR, "-D__KERNEL__",
            f"-ffile-prefix-map={prefix_map}=.", "-c", source, "-o", output]
