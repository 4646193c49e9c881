"""The wheel carries content/, static/ and the prebuilt build, and an installed copy finds them
without a checkout (the package is imported from a folder that has no content/ beside it)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, cwd=tmp_path_factory.mktemp("cwd"))
    return next(out.glob("*.whl"))


def test_wheel_contains_content_static_and_prebuilt(wheel):
    names = zipfile.ZipFile(wheel).namelist()

    assert "journey_app/_content/kernels/2.6.31/arch/x86/lguest/i386_head.S" in names
    assert "journey_app/_content/kernels/2.6.31/glue/journey.ld" in names
    assert any(n.startswith("journey_app/_static/css/") for n in names)
    assert any(n.startswith("journey_app/toolchain/prebuilt/") and n.endswith(".elf") for n in names)
    assert "journey_app/guest/writelog.c" in names          # compiled for the host at first use


def test_installed_package_builds_from_its_own_content(wheel, tmp_path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "from journey_app import paths; from journey_app.settings import Settings;"
        "from journey_app.catalog import Catalog;"
        "c = Catalog(Settings(cache_dir=__import__('pathlib').Path('cache')));"
        "b = c.build('2.6.31');"
        "print(paths.bundled_content_root()); print(paths.static_root()); print(b.origin)"
    )

    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": "/nonexistent"}, check=True)

    content, static, origin = out.stdout.split()
    assert content == str(target / "journey_app" / "_content")
    assert static == str(target / "journey_app" / "_static")
    assert origin == "prebuilt"
