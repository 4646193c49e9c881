"""One compiled-kernel engine per function family, reused for every case of that family."""

from __future__ import annotations

import pytest

from .cases import MEM
from .kernel_host import KernelHost

_ENGINES: dict[str, KernelHost] = {}


@pytest.fixture
def kernel_for():
    def get(family: str) -> KernelHost:
        if family not in _ENGINES:
            _ENGINES[family] = KernelHost(MEM)
        return _ENGINES[family]
    return get
