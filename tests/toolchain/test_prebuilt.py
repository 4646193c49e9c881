"""The prebuilt image shipped as package data equals a fresh real build, byte for byte."""

from __future__ import annotations

from journey_app import paths
from journey_app.toolchain import BuildStore


def test_prebuilt_build_of_bundled_content_matches_a_rebuild(kernel_dir, fresh_build, tmp_path):
    shipped = BuildStore(tmp_path).build_kernel(kernel_dir, "2.6.31")

    assert shipped.origin == "prebuilt", (
        "no prebuilt build matches the bundled content: run `journey build --write-prebuilt`")
    assert shipped.input_hash == fresh_build.input_hash
    assert shipped.elf == fresh_build.elf


def test_only_one_prebuilt_per_version(kernel_dir):
    import json

    versions = [json.loads(p.read_text())["version"] for p in paths.prebuilt_dir().glob("*.json")]

    assert sorted(versions) == sorted(set(versions))


def test_build_in_another_folder_is_byte_identical(kernel_dir, fresh_build, tmp_path):
    import shutil

    copy = tmp_path / "elsewhere" / "2.6.31"
    shutil.copytree(kernel_dir, copy)
    other = BuildStore(tmp_path / "c", prebuilt_dir=tmp_path / "none").build_kernel(copy, "2.6.31")

    assert other.elf == fresh_build.elf
