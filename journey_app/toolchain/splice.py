"""Splicing checked student lines into the assembler's input, so that their text never reaches cpp.

cpp runs over the SHIPPED file only, with every edited line replaced by a placeholder identifier of ours;
the placeholder must come out of cpp alone on one line that cpp's linemarkers place at that very line of
that file (so it was plain code: not inside a comment, a macro definition, a macro argument or a
disabled #if). That line of cpp's output is then replaced by the checked text, so `as -g` still gives it
the kernel file's own line number in DWARF. `macro_table` asks cpp (over shipped text only) which object-
like macros exist and what they fully expand to, for the line grammar to substitute.
Owns the placeholders, the linemarker reading and the macro probe; must not judge a line (sandbox_rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .sandbox_rules import MacroTable, refuse

PLACEHOLDER = "__journey_edited_line_{}__"
PROBE = "__journey_macro_probe_{}__"
SENTINEL = "__journey_macro_probes_begin__"
_LINEMARKER = re.compile(r'^#\s*(\d+)\s+"((?:[^"\\]|\\.)*)"')
_DEFINE = re.compile(r"^#define ([A-Za-z_][A-Za-z0-9_]*)(\()?")


def with_placeholders(original: bytes, lines: Mapping[int, str]) -> bytes:
    """The shipped file with each line in `lines` replaced by its placeholder (all else byte for byte)."""
    text = original.split(b"\n")
    for number in lines:
        if not 1 <= number <= len(text):
            raise refuse(number, f"the file has {len(text)} lines")
        text[number - 1] = PLACEHOLDER.format(number).encode()
    return b"\n".join(text)


def splice(preprocessed: str, file: str, lines: Mapping[int, str]) -> str:
    """cpp's output of the placeholder file with each placeholder line replaced by its checked text."""
    out = preprocessed.split("\n")
    found: dict[int, int] = {}
    current_file, current_line = None, 0
    for index, text in enumerate(out):
        marker = _LINEMARKER.match(text)
        if marker:
            current_file, current_line = marker.group(2), int(marker.group(1))
            continue
        if "__journey_edited_line_" in text:
            for number in lines:
                if PLACEHOLDER.format(number) in text:
                    if (text.strip() != PLACEHOLDER.format(number) or current_file != file
                            or current_line != number or number in found):
                        raise _not_plain(number)
                    found[number] = index
        current_line += 1
    for number, text in lines.items():
        if number not in found:
            raise _not_plain(number)
        out[found[number]] = text
    return "\n".join(out)


def _not_plain(number: int):
    return refuse(number, f"line {number} is not a line of code the assembler reads on its own (it is "
                          "inside a comment, a macro definition or argument, or a disabled #if), so it "
                          "cannot be edited")


def parse_defines(dump: str) -> tuple[set[str], set[str]]:
    """(object-like names, function-like names) from `cpp -dM` output."""
    objects: set[str] = set()
    functions: set[str] = set()
    for line in dump.splitlines():
        match = _DEFINE.match(line)
        if match:
            (functions if match.group(2) else objects).add(match.group(1))
    return objects, functions


def probe_source(file: str, names: list[str]) -> str:
    """A file that includes `file` and then asks cpp to expand each name, one per line, after a sentinel."""
    probes = "\n".join(f"{PROBE.format(i)} {name}" for i, name in enumerate(names))
    return f'#include "{file}"\n{SENTINEL}\n{probes}\n'


def parse_probes(output: str, names: list[str], functions: set[str]) -> MacroTable:
    """The table from cpp's output of probe_source: each object-like name → its full expansion."""
    _before, _sep, after = output.partition(SENTINEL)
    expansions: dict[str, str] = {}
    for line in after.splitlines():
        head, _space, rest = line.strip().partition(" ")
        match = re.fullmatch(r"__journey_macro_probe_(\d+)__", head)
        if match and int(match.group(1)) < len(names):
            expansions[names[int(match.group(1))]] = rest.strip()
    return MacroTable(expansions, frozenset(functions))
