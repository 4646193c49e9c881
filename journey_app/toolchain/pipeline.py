"""Assembles and links a kernel source tree with the real GNU toolchain: cpp → as --32 -g → ld -m elf_i386,
with the C units of glue/*.toml manifests compiled by gcc -m32 (cunits.py) and linked into the same image.

Owns the command lines and the temporary build folder; the same path serves the bundled
text and student-edited text (the sandbox checks the text before it gets here).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path, PurePosixPath

from ..errors import BuildError, ContentError
from .cunits import gcc_argv, units
from .runner import Limits, run_tool

LINKER_SCRIPT = "glue/journey.ld"
INPUT_DIRS = ("arch", "include", "glue")
MAX_TREE_BYTES = 8 * 1024 * 1024


def read_tree(kernel_dir: Path) -> dict[str, bytes]:
    """The build inputs of one kernel version: every file under arch/, include/ and glue/."""
    tree: dict[str, bytes] = {}
    total = 0
    for top in INPUT_DIRS:
        root = kernel_dir / top
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                total += len(data)
                if total > MAX_TREE_BYTES:
                    raise ContentError(f"{kernel_dir} holds more than {MAX_TREE_BYTES} bytes of build inputs",
                                       {"file": str(path)})
                tree[path.relative_to(kernel_dir).as_posix()] = data
    if LINKER_SCRIPT not in tree:
        raise ContentError(f"{kernel_dir} has no {LINKER_SCRIPT}", {"file": str(kernel_dir / LINKER_SCRIPT)})
    return tree


def tree_hash(tree: dict[str, bytes], salt: str = "") -> str:
    digest = hashlib.sha256(salt.encode())
    for name in sorted(tree):
        digest.update(name.encode() + b"\0" + hashlib.sha256(tree[name]).digest())
    return digest.hexdigest()


def assembly_order(tree: dict[str, bytes]) -> list[str]:
    """Kernel text first (its addresses then match the real kernel's layout), then the glue, each in name order."""
    kernel = sorted(n for n in tree if n.startswith("arch/") and n.endswith(".S"))
    glue = sorted(n for n in tree if n.startswith("glue/") and n.endswith(".S"))
    return kernel + glue


def _safe_relative(name: str) -> PurePosixPath:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts:
        raise ContentError(f"build input {name!r} escapes the kernel folder", {"file": name})
    return rel


def link_tree(tree: dict[str, bytes], limits: Limits, scratch: Path | None = None) -> tuple[bytes, list[str]]:
    """Build the tree in a fresh temporary folder; return (ELF bytes, tool warnings).

    Paths given to the tools are relative and the folder is prefix-mapped to ".", so the
    ELF (DWARF included) is byte-identical wherever it is built.
    """
    sources = assembly_order(tree)
    if not sources:
        raise BuildError("nothing to assemble: no .S files under arch/ or glue/", None)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="journey-build-", dir=scratch) as tmp:
        root = Path(tmp)
        for name, data in tree.items():
            target = root / _safe_relative(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (root / "obj").mkdir()
        objects = []
        for index, source in enumerate(sources):
            stem = f"obj/{index:02d}-{PurePosixPath(source).stem}"
            warnings += _nonempty(run_tool(
                ["cpp", "-nostdinc", "-undef", "-I", "include", "-D__ASSEMBLY__", "-D__KERNEL__",
                 "-x", "assembler-with-cpp", source, "-o", f"{stem}.s"], root, limits, f"cpp {source}"))
            warnings += _nonempty(run_tool(
                ["as", "--32", "-g", f"--debug-prefix-map={root}=.", "-o", f"{stem}.o", f"{stem}.s"],
                root, limits, f"as {source}"))
            objects.append(f"{stem}.o")
        for unit in units(tree):
            # C objects are named obj/c-*.o: the linker script places them after the assembler's.
            stem = f"obj/c-{PurePosixPath(unit.manifest).stem}"
            (root / f"{stem}.c").write_text(unit.text(tree), encoding="utf-8")
            warnings += _nonempty(run_tool(gcc_argv(f"{stem}.c", f"{stem}.o", str(root)), root, limits,
                                           f"gcc {unit.source}"))
            objects.append(f"{stem}.o")
        warnings += _nonempty(run_tool(
            ["ld", "-m", "elf_i386", "--build-id=none", "-T", LINKER_SCRIPT, "-o", "kernel.elf", *objects],
            root, limits, "ld"))
        return (root / "kernel.elf").read_bytes(), warnings


def sweep_scratch(scratch: Path, older_than: float = 600.0) -> int:
    """Remove build folders a killed worker left behind (a live build lasts seconds, not minutes)."""
    import shutil
    import time

    removed = 0
    cutoff = time.time() - older_than
    for folder in scratch.glob("journey-build-*") if scratch.is_dir() else []:
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def _nonempty(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]
