"""Builds the differential harness: the 2.6.31 Host's own C, compiled for i386 (gcc -m32 -ffreestanding,
-mregparm=3 as the kernel was) against the stand-ins in harness/, linked with ld -m elf_i386 at a fixed
address. Whole files where all of the file is Host logic the model stands for; elsewhere the named
functions are cut out of the kernel file verbatim (with #line, so errors and DWARF cite kernel lines).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
HARNESS = HERE / "harness"
REPO = HERE.parents[2]
CONTENT_KERNEL = REPO / "content" / "kernels" / "2.6.31"
SEED_KERNEL = REPO.parent / "shared" / "seed" / "linux-2.6.31"
TEXT_ADDRESS = 0x00100000

# Files compiled whole: every function in them is Host logic the model stands for.
WHOLE = ("drivers/lguest/interrupts_and_traps.c", "drivers/lguest/hypercalls.c", "drivers/lguest/segments.c")
# Functions (and the #define blocks they need) cut verbatim out of files that also hold the Switcher
# set-up, the run loop and the shadow page tables, which the model does not follow.
PIECES = {
    "drivers/lguest/core.c": ("lguest_address_ok", "__lgread", "__lgwrite"),
    "drivers/lguest/x86/core.c": ("emulate_insn", "rewrite_hypercall", "is_hypercall", "lguest_arch_handle_trap",
                                  "lguest_arch_do_hcall", "lguest_arch_init_hypercalls"),
    "drivers/lguest/page_tables.c": ("#define SWITCHER_PGD_INDEX", "#ifdef CONFIG_X86_PAE", "page_table_guest_data_init"),
}
HEADERS = ("drivers/lguest/lg.h", "include/linux/lguest.h", "include/linux/lguest_launcher.h",
           "arch/x86/include/asm/lguest.h", "arch/x86/include/asm/lguest_hcall.h")
KERNEL_FILES = WHOLE + tuple(PIECES) + HEADERS
CFLAGS = ("-m32", "-march=i686", "-ffreestanding", "-fno-pic", "-fno-pie", "-nostdinc", "-O2", "-std=gnu89",
          "-fno-strict-aliasing", "-fno-common", "-fno-stack-protector", "-fno-builtin", "-mregparm=3",
          "-mpreferred-stack-boundary=2", "-w", "-g")


def kernel_root() -> Path:
    """The kernel text the harness compiles: the product's own copy in content/, at the kernel's paths
    (test_kernel_text.py checks it byte for byte against the seed beside the clone)."""
    return CONTENT_KERNEL


def cut(text: str, start: str) -> tuple[int, str]:
    """(first line number, lines) of one piece: a function from its definition line to the `}` in
    column 0 that ends it, or a preprocessor line (a whole #ifdef..#endif block for `#ifdef`)."""
    lines = text.split("\n")
    if start.startswith("#"):
        first = next(i for i, line in enumerate(lines) if line.startswith(start))
        last = first
        if start.startswith("#if"):
            last = next(i for i in range(first, len(lines)) if lines[i].startswith("#endif"))
        return first + 1, "\n".join(lines[first:last + 1])
    pattern = re.compile(r"^[a-z].*\b" + re.escape(start) + r"\(")
    first = next(i for i, line in enumerate(lines) if pattern.match(line) and not line.rstrip().endswith(";"))
    last = next(i for i in range(first, len(lines)) if lines[i] == "}")
    return first + 1, "\n".join(lines[first:last + 1])


@dataclass(frozen=True)
class Harness:
    elf: Path
    root: Path


_BUILT: dict[str, Harness] = {}


def build() -> Harness:
    root = kernel_root()
    digest = hashlib.sha256(root.as_posix().encode())
    for name in KERNEL_FILES:
        digest.update((root / name).read_bytes())
    for path in sorted(HARNESS.rglob("*")):
        if path.is_file():
            digest.update(path.as_posix().encode() + path.read_bytes())
    key = digest.hexdigest()
    if key in _BUILT:
        return _BUILT[key]
    out = Path(tempfile.gettempdir()) / f"lguest-harness-{key[:16]}"
    if (out / "harness.elf").is_file():
        _BUILT[key] = Harness(out / "harness.elf", root)
        return _BUILT[key]
    out.mkdir(exist_ok=True)
    includes = ("-I", str(HARNESS), "-I", str(HARNESS / "include"), "-I", str(root / "drivers/lguest"),
                "-I", str(root / "arch/x86/include"), "-I", str(root / "include"))
    sources = [root / name for name in WHOLE] + [HARNESS / "stubs.c", HARNESS / "driver.c"]
    for name, starts in PIECES.items():
        text = (root / name).read_text()
        unit = ['#include "harness.h"', '#include "lg.h"']
        for start in starts:
            line, body = cut(text, start)
            unit += [f'#line {line} "{root / name}"', body]
        piece = out / f"{os.getpid()}.{name.replace('/', '_')}"
        piece.write_text("\n".join(unit) + "\n")
        sources.append(piece)
    objects = []
    for src in sources:
        obj = out / f"{src.name}.{os.getpid()}.o"
        subprocess.run(["gcc", *CFLAGS, *includes, "-c", str(src), "-o", str(obj)], check=True,
                       capture_output=True, text=True)
        objects.append(str(obj))
    elf = out / "harness.elf"
    partial = out / f"harness.{os.getpid()}.elf"        # concurrent builders each link their own, then rename
    subprocess.run(["ld", "-m", "elf_i386", "-static", "-nostdlib", "--build-id=none", "-Ttext",
                    hex(TEXT_ADDRESS), "-e", "h_deliver", "-o", str(partial), *objects], check=True,
                   capture_output=True, text=True)
    os.replace(partial, elf)
    _BUILT[key] = Harness(elf, root)
    return _BUILT[key]
