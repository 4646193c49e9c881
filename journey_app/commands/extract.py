"""`journey extract <LETTER>` and `journey beer`: the Journey as the kernel's `make <Stage>` / `make Beer` print it."""

from __future__ import annotations

import sys

from ..catalog import Catalog
from ..journey.extract import beer, extract, makefile_files, read_files
from ..journey.model import STAGES


def register(sub) -> None:
    parser = sub.add_parser("extract", help="print one stage as the kernel's Documentation/lguest/extract does")
    parser.add_argument("letter", choices=list(STAGES), help="the stage: " + ", ".join(
        f"{letter} {name}" for letter, name in STAGES.items()))
    parser.add_argument("--version", help="kernel version (default: newest under the content root)")
    parser.set_defaults(func=run_extract)
    parser = sub.add_parser("beer", help="print the whole Journey, every stage in order, as `make Beer` does")
    parser.add_argument("--version", help="kernel version (default: newest under the content root)")
    parser.set_defaults(func=run_beer)


def _files(args, settings) -> list[tuple[str, bytes]]:
    catalog = Catalog(settings)
    version_dir = catalog.kernel_dir(args.version or catalog.default_version())
    return read_files(version_dir, makefile_files(version_dir))


def run_extract(args, settings) -> int:
    sys.stdout.buffer.write(extract(args.letter, _files(args, settings)))
    sys.stdout.flush()
    return 0


def run_beer(args, settings) -> int:
    sys.stdout.buffer.write(beer(_files(args, settings)))
    sys.stdout.flush()
    return 0
