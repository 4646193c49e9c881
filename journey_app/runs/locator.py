"""`Locator`: address → symbol, source line and chapter (through the Catalog), memoised per build.
Owns the physical-alias rule (G:020 runs at PA = VA - PAGE_OFFSET); must not read guest memory.
"""

from __future__ import annotations

from collections.abc import Callable

from ..caches import BoundedCache
from ..guest.memory import to_virt
from ..toolchain import Build
from .events import Where

ChapterOwner = Callable[[str, str, int], "str | None"]   # (version, file, line) -> chapter id
MAX_MEMO = 8192           # addresses one build's runs reach; past it, lookups are made but not kept
LOCATOR_BYTES = 2 << 20   # what a Locator is charged: a full memo of ~5,000 addresses at ~400 bytes each


class Locator:
    """Every event and the State's `location` go through here; the memo makes a replay's lookups free."""

    def __init__(self, build: Build, chapter_owner: ChapterOwner | None):
        self.build = build
        self.chapter_owner = chapter_owner
        self._memo: dict[int, Where] = {}

    def __call__(self, address: int) -> Where:
        found = self._memo.get(address)
        if found is None:
            found = self._locate(address)
            if len(self._memo) < MAX_MEMO:
                self._memo[address] = found
        return found

    def _locate(self, address: int) -> Where:
        alias = to_virt(address)
        ref = self.build.line_at(alias)
        chapter = None
        if ref is not None and self.chapter_owner is not None:
            chapter = self.chapter_owner(self.build.version, ref.file, ref.line)
        return Where(address, self.build.symbolize(alias), ref.file if ref else None, ref.line if ref else None,
                     chapter)


# Each Locator is charged for the memo it grows to (it fills after it is cached).
_LOCATORS: BoundedCache[tuple[str, int], Locator] = BoundedCache(
    "runs.locators", 4 * LOCATOR_BYTES, sizeof=lambda key, locator: LOCATOR_BYTES, oversize=1)


def locator_for(build: Build, chapter_owner: ChapterOwner | None) -> Locator:
    """One Locator per (build input hash, owner), so its memo outlives a single replay."""
    owner = getattr(chapter_owner, "__self__", chapter_owner)
    key = (build.input_hash, id(owner))
    found = _LOCATORS.get(key)
    if found is None or found.chapter_owner != chapter_owner:
        found = Locator(build, chapter_owner)
        _LOCATORS.put(key, found)
    return found
