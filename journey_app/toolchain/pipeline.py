"""Assembles and links a kernel source tree with the real GNU toolchain: cpp → as --32 -g → ld -m elf_i386,
with the C units of glue/*.toml manifests compiled by gcc -m32 (cunits.py) and linked into the same image.

Owns the command lines and the temporary build folder. cpp only ever reads shipped text: student lines
arrive as `splices` (already checked by the sandbox's line grammar) and are put into cpp's output, never
its input (splice.py). Every tool runs jailed in the build folder (jail.py via runner.run_tool).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path, PurePosixPath

from ..errors import BuildError, BuildUnavailable, ContentError
from .cunits import Unit, gcc_argv, units
from .runner import Limits, run_tool
from .sandbox_rules import MacroTable
from .splice import parse_defines, parse_probes, probe_source, splice, with_placeholders

Splices = Mapping[str, Mapping[int, str]]   # file -> {line number: checked text for `as`}
CPP = ["cpp", "-nostdinc", "-undef", "-I", "standins", "-D__ASSEMBLY__", "-D__KERNEL__", "-x", "assembler-with-cpp"]

LINKER_SCRIPT = "glue/journey.ld"
# Build inputs: the kernel's assembler files under arch/, our stand-in headers (standins/, the only
# folder on cpp's include path, so the kernel's own C headers never shadow them) and the glue.
INPUT_DIRS = ("arch", "standins", "glue")
# Under arch/ the assembler files and the C files are inputs (boot.c: glue/boot_c.toml says which of its
# lines gcc compiles); the kernel's C headers are read, never built: standins/ stands in for them.
KERNEL_TEXT_SUFFIX = (".S", ".c")
MAX_TREE_BYTES = 8 * 1024 * 1024


def read_tree(kernel_dir: Path) -> dict[str, bytes]:
    """The build inputs of one kernel version: arch/**.S and arch/**.c, and every file under standins/ and glue/."""
    tree: dict[str, bytes] = {}
    total = 0
    for top in INPUT_DIRS:
        root = kernel_dir / top
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink() and is_build_input(path.relative_to(kernel_dir).as_posix()):
                data = path.read_bytes()
                total += len(data)
                if total > MAX_TREE_BYTES:
                    raise ContentError(f"{kernel_dir} holds more than {MAX_TREE_BYTES} bytes of build inputs",
                                       {"file": str(path)})
                tree[path.relative_to(kernel_dir).as_posix()] = data
    if LINKER_SCRIPT not in tree:
        raise ContentError(f"{kernel_dir} has no {LINKER_SCRIPT}", {"file": str(kernel_dir / LINKER_SCRIPT)})
    return tree


def is_build_input(name: str) -> bool:
    """True for the files the assembler and linker read (a path relative to the version folder)."""
    top = name.split("/", 1)[0]
    return top in INPUT_DIRS and (top != "arch" or name.endswith(KERNEL_TEXT_SUFFIX))


def tree_hash(tree: dict[str, bytes], salt: str = "", splices: Splices | None = None) -> str:
    digest = hashlib.sha256(salt.encode())
    if splices:
        canonical = {f: {str(n): t for n, t in sorted(lines.items())} for f, lines in sorted(splices.items())}
        digest.update(b"splices\0" + json.dumps(canonical, sort_keys=True).encode() + b"\0")
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


def _write_tree(root: Path, tree: dict[str, bytes]) -> None:
    for name, data in tree.items():
        target = root / _safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def link_tree(tree: dict[str, bytes], limits: Limits, scratch: Path | None = None,
              splices: Splices | None = None,
              objects_cache: MutableMapping[str, tuple[bytes, list[str]]] | None = None) -> tuple[bytes, list[str]]:
    """Build the tree in a fresh temporary folder; return (ELF bytes, tool warnings).

    `tree` is shipped text only; `splices` are checked student lines, placed into cpp's output of their
    file (splice.py). Paths given to the tools are relative and the folder is prefix-mapped to ".", so
    the ELF (DWARF included) is byte-identical wherever it is built, and so is each object file: with
    `objects_cache`, the objects of files no splice touches are reused (an edit then costs cpp + as of
    its own file and ld, not the whole tree).
    """
    sources = assembly_order(tree)
    if not sources:
        raise BuildError("nothing to assemble: no .S files under arch/ or glue/", None)
    splices = splices or {}
    unknown = sorted(set(splices) - set(sources))
    if unknown:
        raise BuildError(f"edited file {unknown[0]!r} is not assembled", {"file": unknown[0]})
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="journey-build-", dir=scratch) as tmp:
        root = Path(tmp)
        holed = {name: with_placeholders(tree[name], lines) for name, lines in splices.items()}
        try:
            _write_tree(root, {**tree, **holed})
        except OSError as exc:     # ENOSPC / EDQUOT on the cache disk: the server's trouble, not the source's
            raise BuildUnavailable("could not build now: no room for the build folder; try again later",
                                   {"errno": exc.errno}) from None
        (root / "obj").mkdir()
        objects: list[str] = []
        shipped = tree_hash(tree)

        def object_file(stem: str, key: str | None, make: Callable[[], list[str]]) -> None:
            """`stem`.o made by `make()` (which returns its tool warnings), or reused from `objects_cache`
            under `key` (None: never reused, e.g. a file with spliced lines)."""
            nonlocal warnings
            cache = objects_cache if key is not None else None
            reused = cache.get(key) if cache is not None and key is not None else None
            if reused is not None:
                (root / f"{stem}.o").write_bytes(reused[0])
                made = reused[1]
            else:
                made = make()
                if cache is not None and key is not None:
                    cache[key] = ((root / f"{stem}.o").read_bytes(), made)
            warnings += made
            objects.append(f"{stem}.o")

        for index, source in enumerate(sources):
            stem = f"obj/{index:02d}-{PurePosixPath(source).stem}"

            def assemble(source: str = source, stem: str = stem) -> list[str]:
                out = _nonempty(run_tool([*CPP, source, "-o", f"{stem}.s"], root, limits, f"cpp {source}"))
                if source in splices:
                    output = root / f"{stem}.s"
                    output.write_text(splice(output.read_text("utf-8", "surrogateescape"), source,
                                             splices[source]), "utf-8", "surrogateescape")
                return out + _nonempty(run_tool(
                    ["as", "--32", "-g", f"--debug-prefix-map={root}=.", "-o", f"{stem}.o", f"{stem}.s"],
                    root, limits, f"as {source}"))

            object_file(stem, None if source in splices else f"{shipped}:{index}:{source}", assemble)
        for unit in units(tree):
            # C objects are named obj/c-*.o: the linker script places them after the assembler's.
            # Edits never reach C (only .S lines are spliced), so a C object is reused like an untouched .S one.
            stem = f"obj/c-{PurePosixPath(unit.manifest).stem}"

            def compile_c(unit: Unit = unit, stem: str = stem) -> list[str]:
                (root / f"{stem}.c").write_text(unit.text(tree), encoding="utf-8")
                return _nonempty(run_tool(gcc_argv(f"{stem}.c", f"{stem}.o", str(root)), root, limits,
                                          f"gcc {unit.source}"))

            object_file(stem, f"{shipped}:c:{unit.manifest}", compile_c)
        warnings += _nonempty(run_tool(
            ["ld", "-m", "elf_i386", "--build-id=none", "-T", LINKER_SCRIPT, "-o", "kernel.elf", *objects],
            root, limits, "ld"))
        return (root / "kernel.elf").read_bytes(), warnings


def macro_table(tree: dict[str, bytes], file: str, limits: Limits, scratch: Path | None = None) -> MacroTable:
    """The object-like macros `file` sees at its end, fully expanded by cpp, and the function-like names.

    Two jailed cpp runs over shipped text only: `-dM` for the names, then a probe file that includes
    `file` and expands each name after a sentinel."""
    with tempfile.TemporaryDirectory(prefix="journey-build-", dir=scratch) as tmp:
        root = Path(tmp)
        _write_tree(root, tree)
        run_tool([*CPP, "-dM", file, "-o", "defines.txt"], root, limits, f"cpp -dM {file}")
        objects, functions = parse_defines((root / "defines.txt").read_text("utf-8", "replace"))
        names = sorted(n for n in objects if not n.startswith("__journey_"))
        (root / "probe.S").write_text(probe_source(file, names))
        run_tool([*CPP, "-P", "probe.S", "-o", "probe.s"], root, limits, f"cpp {file} macros")
        return parse_probes((root / "probe.s").read_text("utf-8", "replace"), names, functions)


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
