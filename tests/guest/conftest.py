"""Fixtures for the guest machine tests: the real 2.6.31 build (built once) and fresh machines over it."""

from __future__ import annotations

import pytest

from journey_app import paths
from journey_app.guest import Machine
from journey_app.toolchain import PAGE_OFFSET, BuildStore

SCRATCH = PAGE_OFFSET + 0x200000      # free guest memory above the image, for hand-assembled code


@pytest.fixture(scope="session")
def build(tmp_path_factory):
    store = BuildStore(tmp_path_factory.mktemp("guest-build-cache"))
    return store.build_kernel(paths.bundled_content_root() / "kernels" / "2.6.31", "2.6.31")


@pytest.fixture
def machine(build) -> Machine:
    return Machine(build)


@pytest.fixture
def load_code(machine):
    """Put bytes at SCRATCH (or `at`) and point EIP at them."""

    def load(code: bytes, at: int = SCRATCH) -> int:
        machine.write(at, code)
        machine.regs["eip"] = at
        return at

    return load
