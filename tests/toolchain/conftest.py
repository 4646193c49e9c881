"""Fixtures for toolchain tests: one real build of the bundled 2.6.31 content per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey_app import paths
from journey_app.toolchain import BuildStore

KERNEL = "2.6.31"
HEAD = "arch/x86/lguest/i386_head.S"


@pytest.fixture(scope="session")
def kernel_dir() -> Path:
    return paths.bundled_content_root() / "kernels" / KERNEL


@pytest.fixture(scope="session")
def fresh_build(kernel_dir, tmp_path_factory):
    """Built by the real toolchain now (empty prebuilt folder), not loaded from package data."""
    store = BuildStore(tmp_path_factory.mktemp("cache"), prebuilt_dir=tmp_path_factory.mktemp("noprebuilt"))
    build = store.build_kernel(kernel_dir, KERNEL)
    assert build.origin == "built"
    return build


@pytest.fixture(scope="session")
def head_lines(fresh_build):
    return fresh_build.lines(HEAD)
