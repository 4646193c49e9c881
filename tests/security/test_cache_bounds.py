"""Builds are bounded before they are kept: an edit whose image is too large is refused before it is
parsed, memoised or written to the cache folder, and both build caches are bounded in bytes."""

from __future__ import annotations

import pytest

from journey_app.catalog import Catalog
from journey_app.errors import SandboxRefused
from journey_app.settings import Settings
from journey_app.toolchain.sandbox import SandboxPolicy, build_edited

HEAD = "arch/x86/lguest/i386_head.S"


def cmpl(n: int) -> list[tuple[int, str]]:
    return [(78, f"\tcmpl ${n}, lguest_data+LGUEST_DATA_irq_pending")]


@pytest.fixture()
def catalog(tmp_path):
    found = Catalog(Settings(cache_dir=tmp_path))
    found.build("2.6.31")
    return found


def test_an_oversized_build_is_refused_before_it_is_kept(catalog, tmp_path):
    before = sorted((tmp_path / "builds").glob("*.elf")) if (tmp_path / "builds").is_dir() else []
    memo = catalog.store.memo_bytes_used()
    with pytest.raises(SandboxRefused) as info:
        build_edited(catalog, "2.6.31", HEAD, cmpl(1), None, SandboxPolicy(max_elf_bytes=1000))
    assert "the limit is 1000" in info.value.detail["reason"]
    after = sorted((tmp_path / "builds").glob("*.elf")) if (tmp_path / "builds").is_dir() else []
    assert after == before and catalog.store.memo_bytes_used() == memo


def test_the_memo_is_bounded_in_bytes(catalog):
    store = catalog.store
    store.memo_bytes = 3 * len(catalog.build("2.6.31").elf) * 24
    for n in range(6):
        build_edited(catalog, "2.6.31", HEAD, cmpl(200 + n), None)
    assert store.memo_bytes_used() <= store.memo_bytes


def test_the_cache_folder_is_bounded_in_bytes(catalog, tmp_path):
    catalog.store.disk_bytes = 3 * 20_000
    for n in range(6):
        build_edited(catalog, "2.6.31", HEAD, cmpl(300 + n), None)
    held = sum(p.stat().st_size for p in (tmp_path / "builds").iterdir())
    assert held <= catalog.store.disk_bytes
    assert not list((tmp_path / "builds").glob(".*.tmp"))   # nothing half-written left behind
