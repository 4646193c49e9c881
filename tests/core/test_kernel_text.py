"""Every lguest file of the Linux 2.6.31 release is in content/ at its kernel path, byte for byte.

The manifest tests/golden/kernel-2.6.31.sha256 is `sha256sum` output over ../shared/seed/linux-2.6.31/
(26 files); the seed itself (beside the clone, in CI too) is checked against the manifest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from journey_app.settings import Settings

TESTS = Path(__file__).resolve().parent.parent
MANIFEST = TESTS / "golden" / "kernel-2.6.31.sha256"
SEED = TESTS.parent.parent / "shared" / "seed" / "linux-2.6.31"


def manifest() -> dict[str, str]:
    entries = {}
    for line in MANIFEST.read_text().splitlines():
        digest, name = line.split("  ", 1)
        entries[name] = digest
    return entries


def test_manifest_lists_the_sixteen_chapter_files_and_the_readers():
    names = manifest()

    assert len(names) == 26
    assert {"Documentation/lguest/extract", "drivers/lguest/Makefile", "Documentation/lguest/lguest.c"} <= set(names)


@pytest.mark.parametrize("name", sorted(manifest()))
def test_bundled_file_is_the_kernel_file(name):
    bundled = Settings().content_root / "kernels" / "2.6.31" / name

    assert hashlib.sha256(bundled.read_bytes()).hexdigest() == manifest()[name]


def test_manifest_matches_the_seed():
    seed = {p.relative_to(SEED).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in SEED.rglob("*") if p.is_file()}

    assert seed == manifest()
