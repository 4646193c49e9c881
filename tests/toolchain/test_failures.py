"""Toolchain failures are clear JourneyErrors, never crashes."""

from __future__ import annotations

import pytest

from journey_app.errors import BuildError, ToolchainMissing
from journey_app.toolchain import BuildStore, Limits
from journey_app.toolchain.pipeline import read_tree
from journey_app.toolchain.runner import require_toolchain


def test_missing_toolchain_names_the_debian_packages(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(ToolchainMissing) as caught:
        require_toolchain()

    assert "apt-get install binutils cpp gcc" in caught.value.message
    assert caught.value.detail["missing"] == ["as", "cpp", "gcc", "ld"]


def test_assembler_error_carries_the_source_file_and_line(kernel_dir, tmp_path):
    tree = read_tree(kernel_dir)
    head = "arch/x86/lguest/i386_head.S"
    lines = tree[head].decode().splitlines()
    lines[77] = "\tfrobnicate %eax"
    tree[head] = ("\n".join(lines) + "\n").encode()

    with pytest.raises(BuildError) as caught:
        BuildStore(tmp_path, prebuilt_dir=tmp_path / "none").build_tree(tree, "2.6.31")

    assert any(m.startswith(f"{head}:78:") and "frobnicate" in m for m in caught.value.detail["messages"])


def test_runaway_assembly_is_stopped_by_its_limits(kernel_dir, tmp_path):
    tree = read_tree(kernel_dir)
    tree["glue/zz_huge.S"] = b".rept 100000000\nnop\n.endr\n"
    store = BuildStore(tmp_path, limits=Limits(timeout=5, cpu_seconds=3, file_size=4 << 20),
                       prebuilt_dir=tmp_path / "none")

    with pytest.raises(BuildError) as caught:
        store.build_tree(tree, "2.6.31")

    assert caught.value.detail["stage"].startswith("as glue/zz_huge.S")


def test_cache_serves_the_second_build_without_the_toolchain(kernel_dir, tmp_path, monkeypatch):
    BuildStore(tmp_path, prebuilt_dir=tmp_path / "none").build_kernel(kernel_dir, "2.6.31")
    monkeypatch.setenv("PATH", "/nonexistent")

    again = BuildStore(tmp_path, prebuilt_dir=tmp_path / "none").build_kernel(kernel_dir, "2.6.31")

    assert again.origin == "cache"


def test_build_folders_left_by_a_killed_worker_are_swept(tmp_path):
    import os
    import time

    from journey_app.toolchain.pipeline import sweep_scratch

    scratch = tmp_path / "scratch"
    stale, fresh = scratch / "journey-build-stale", scratch / "journey-build-fresh"
    stale.mkdir(parents=True)
    fresh.mkdir()
    old = time.time() - 3600
    os.utime(stale, (old, old))

    removed = sweep_scratch(scratch)

    assert removed == 1
    assert not stale.exists() and fresh.exists()
