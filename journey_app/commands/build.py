"""`journey build`: build a kernel version with the real toolchain and print its symbols and line map."""

from __future__ import annotations

import json
from pathlib import Path

from ..catalog import Catalog


def register(sub) -> None:
    parser = sub.add_parser("build", help="assemble and link a kernel version; print symbols and line map")
    parser.add_argument("--version", help="kernel version (default: newest under the content root)")
    parser.add_argument("--json", action="store_true", help="print the whole build as JSON")
    parser.add_argument("--write-prebuilt", action="store_true",
                        help="rebuild with the toolchain and store it as the package's prebuilt copy")
    parser.set_defaults(func=run)


def run(args, settings) -> int:
    catalog = Catalog(settings)
    version = args.version or catalog.default_version()
    if args.write_prebuilt:
        import tempfile

        from ..toolchain import BuildStore

        with tempfile.TemporaryDirectory() as scratch:
            # Built by the toolchain now: no prebuilt copy or cache entry may stand in for it.
            fresh = BuildStore(Path(scratch), prebuilt_dir=Path(scratch) / "no-prebuilt", register=False)
            build = fresh.build_kernel(catalog.kernel_dir(version), version)
        print(f"wrote {BuildStore(settings.cache_dir, register=False).write_prebuilt(build)}")
        return 0
    build = catalog.build(version)
    if args.json:
        print(json.dumps(build.to_json(), indent=1))
        return 0
    print(f"kernel {build.version}  inputs sha256 {build.input_hash[:16]}…  ({build.origin})")
    print(f"entry {build.entry:#010x}")
    print("\nsections:")
    for sec in build.sections:
        print(f"  {sec.name:<12} {sec.address:#010x} (phys {sec.load_address:#010x}) {sec.size:6d} bytes")
    print("\nsymbols:")
    for sym in sorted(build.symbols.values(), key=lambda s: s.address):
        if not sym.name.startswith("journey_irq_") or sym.name == "journey_irq_0":
            print(f"  {sym.address:#010x}  {sym.name}")
    for file in build.files():
        print(f"\n{file}:")
        for line, code in build.lines(file).items():
            text = "; ".join(i.text for i in code.insns)
            print(f"  {line:4d}  {code.address:#010x}  {code.data.hex(' '):<30}  {text}")
    return 0
