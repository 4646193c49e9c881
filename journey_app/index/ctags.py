"""Definitions in kernel text, found by Universal Ctags (what Elixir indexes the kernel with).

Owns the ctags command line and its JSON output; knows nothing of chapters or pages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolchainMissing

DEBIAN_PACKAGE = "universal-ctags"
# Kinds that define a name a reader would look up. Struct members, locals and parameters are left
# out: `lg`, `cpu` and `i` are members or locals in every other function and would link everywhere.
C_KINDS = "defgstuv"  # macro, enumerator, function, enum, struct, typedef, union, variable
ASM_KINDS = "dlm"  # define, label, macro
# The ctags Asm parser sees `name:` labels; the kernel's ENTRY(name) macro (linkage.h) makes labels too.
ENTRY_LABEL = r"--regex-Asm=/^ENTRY\(([A-Za-z_][A-Za-z0-9_]*)\)/\1/l,label/"
TIMEOUT = 60.0


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # ctags' long kind name: function, struct, macro, label, variable, ...
    file: str
    line: int
    end_line: int
    chapter: str | None = None  # the Journey chapter holding the definition's first line
    signature: str | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "file": self.file, "line": self.line,
                "end_line": self.end_line, "chapter": self.chapter, "signature": self.signature}

    @classmethod
    def from_json(cls, data: dict) -> Definition:
        return cls(**data)


def ctags_program() -> str:
    found = shutil.which("ctags-universal") or shutil.which("ctags")
    if found is None:
        raise ToolchainMissing(f"Universal Ctags is not installed; on Debian: apt-get install {DEBIAN_PACKAGE}",
                               {"missing": ["ctags"], "debian_packages": [DEBIAN_PACKAGE]})
    return found


def run_ctags(version_dir: Path, files: list[str]) -> list[Definition]:
    """Every definition in `files` (relative to version_dir), in file then line order."""
    argv = [ctags_program(), "--output-format=json", "--fields=+nKeS", "--sort=no",
            "--langmap=C:+.h", f"--kinds-C={C_KINDS}", f"--kinds-Asm={ASM_KINDS}", ENTRY_LABEL, "-f", "-", *files]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(version_dir)}
    proc = subprocess.run(argv, cwd=version_dir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=TIMEOUT, check=True)
    found = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        tag = json.loads(line)
        if tag.get("_type") != "tag" or "line" not in tag:
            continue
        found.append(Definition(name=tag["name"], kind=tag["kind"], file=tag["path"], line=int(tag["line"]),
                                end_line=int(tag.get("end", tag["line"])), signature=tag.get("signature")))
    return sorted(found, key=lambda d: (d.file, d.line, d.name))
