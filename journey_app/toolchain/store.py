"""Finds or makes the Build of a kernel version: prebuilt package data, then the on-disk cache, then the toolchain.

Keys are sha256 of the build inputs (and of the checked student lines spliced in); the prebuilt copy of
the bundled content lets the site run where binutils is absent. `write_prebuilt()` refreshes it
(`journey build --write-prebuilt`). Both caches are bounded in bytes: the per-process memo (a
`BoundedCache`, "toolchain.builds": MEMO_BYTES by default, a share of JOURNEY_CACHE_MB in the app; each build
charged its ELF size times an overhead factor) and the disk folder (DISK_BYTES, oldest evicted). A build is
admitted (`admit`, e.g. the sandbox's size rules) BEFORE it is parsed, kept or written.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path

from .. import paths
from ..caches import BoundedCache
from ..errors import BuildError, ToolchainMissing
from .build import Build
from .pipeline import Splices, link_tree, macro_table, read_tree, sweep_scratch, tree_hash
from .runner import Limits, tool_versions
from .sandbox_rules import MacroTable

TEXT_SUFFIXES = (".S", ".s", ".h", ".c", ".ld")
MEMO_BYTES = 16 * 1024 * 1024      # builds kept in one worker's memory (~13 of 2.6.31; scaled with the app's budget)
MEMO_OVERHEAD = 24                 # a Build's sections, symbols and line map: ~21x its ELF (tracemalloc, 2.6.31)
# The shipped builds (prebuilt/, read-only) as loaded, shared by every BuildStore of the process: a second
# store (a test's fresh app, a CLI command) reuses the parsed ELF instead of reading its DWARF again. Only
# prebuilt ones: edit builds stay in their store's own memo and leave with it.
_PREBUILT: BoundedCache[tuple[str, int, int, str], Build] = BoundedCache(
    "toolchain.prebuilt_builds", 4 * 4 * 1024 * 1024, max_entries=4, oversize=1,
    sizeof=lambda key, build: len(build.elf) * MEMO_OVERHEAD)
DISK_BYTES = 256 * 1024 * 1024     # the cache folder of builds, shared by the workers of one machine
MAX_FAILURES = 64
MAX_MACRO_TABLES = 8
MAX_OBJECTS = 32

Admit = Callable[[bytes], None]


def _sources(tree: dict[str, bytes]) -> dict[str, str]:
    return {name: data.decode("utf-8", "replace") for name, data in tree.items() if name.endswith(TEXT_SUFFIXES)}


class BuildStore:
    """Per-process memo of builds by input hash, backed by a cache folder and the prebuilt folder."""

    def __init__(self, cache_dir: Path, limits: Limits | None = None, prebuilt_dir: Path | None = None,
                 memo_bytes: int = MEMO_BYTES, disk_bytes: int = DISK_BYTES, register: bool = True):
        self.cache_dir = Path(cache_dir) / "builds"
        self.prebuilt_dir = prebuilt_dir or paths.prebuilt_dir()
        self.limits = limits or Limits()
        self.disk_bytes = disk_bytes
        # The oldest builds go first, never the newest (oversize=1): the shipped build stays while it is used.
        self._memo: BoundedCache[str, Build] = BoundedCache("toolchain.builds", memo_bytes, sizeof=_memo_cost,
                                                             oversize=1, register=register)
        self.scratch: Path | None = Path(cache_dir) / "scratch"
        try:
            Path(cache_dir, "scratch").mkdir(parents=True, exist_ok=True)
            sweep_scratch(Path(cache_dir, "scratch"))
        except OSError:
            self.scratch = None  # an unwritable cache folder: build in the system temp folder
        self._failures: OrderedDict[str, BuildError] = OrderedDict()  # a source that won't assemble fails fast
        self._macros: OrderedDict[tuple[str, str], MacroTable] = OrderedDict()
        self._objects = _BoundedObjects(MAX_OBJECTS)   # shipped files' object files, reused by edit builds
        self._lock = threading.Lock()

    # -- reading the counters (tests, /healthz) -----------------------------------------------------------
    def memo_bytes_used(self) -> int:
        return self._memo.bytes

    @property
    def memo_bytes(self) -> int:
        return self._memo.max_bytes

    @memo_bytes.setter
    def memo_bytes(self, value: int) -> None:
        self._memo.resize(value)

    def build_kernel(self, kernel_dir: Path, version: str) -> Build:
        return self.build_tree(read_tree(kernel_dir), version)

    def build_tree(self, tree: dict[str, bytes], version: str, *, splices: Splices | None = None,
                   shown: Mapping[str, str] | None = None, admit: Admit | None = None) -> Build:
        """The Build of `tree` with `splices` (checked student lines) put into the assembler's input.

        `shown` replaces the text of edited files for display (the line map reads it); `admit` may refuse
        the linked ELF before anything is parsed, cached or written."""
        key = tree_hash(tree, splices=splices)
        cached = self._memo.get(key)
        with self._lock:
            failed = self._failures.get(key)
        if cached is not None:
            return cached
        if failed is not None:
            raise failed
        sources = {**_sources(tree), **(shown or {})}
        try:
            build = self._load(key, sources, version, admit) or self._make(key, tree, sources, version, splices, admit)
        except BuildError as exc:
            if not isinstance(exc, ToolchainMissing):
                with self._lock:
                    self._failures[key] = exc
                    while len(self._failures) > MAX_FAILURES:
                        self._failures.popitem(last=False)
            raise
        self._memo.put(key, build)
        return build

    def macros(self, tree: dict[str, bytes], file: str) -> MacroTable:
        """The trusted macro table of `file` (cpp over shipped text), kept per tree."""
        key = (tree_hash(tree), file)
        with self._lock:
            found = self._macros.get(key)
        if found is None:
            found = macro_table(tree, file, self.limits, self.scratch)
            with self._lock:
                self._macros[key] = found
                while len(self._macros) > MAX_MACRO_TABLES:
                    self._macros.popitem(last=False)
        return found

    def _load(self, key: str, sources: dict[str, str], version: str, admit: Admit | None) -> Build | None:
        for folder, origin in ((self.prebuilt_dir, "prebuilt"), (self.cache_dir, "cache")):
            elf_path = folder / f"{key}.elf"
            try:
                elf = elf_path.read_bytes()
            except OSError:
                continue
            if admit is not None:
                admit(elf)
            shared = None
            if origin == "prebuilt":
                stat = elf_path.stat()
                shared = (str(elf_path), stat.st_mtime_ns, stat.st_size, version)
                found = _PREBUILT.get(shared)
                if found is not None and found.elf == elf and found.sources == sources:
                    return found
            meta = _read_meta(folder / f"{key}.json")
            build = Build(version, key, elf, sources, toolchain=meta.get("toolchain", {}), origin=origin)
            if shared is not None:
                _PREBUILT.put(shared, build)
            return build
        return None

    def _make(self, key: str, tree: dict[str, bytes], sources: dict[str, str], version: str,
              splices: Splices | None, admit: Admit | None) -> Build:
        toolchain = tool_versions()
        elf, warnings = link_tree(tree, self.limits, self.scratch, splices, self._objects)
        if admit is not None:
            admit(elf)   # refused builds are never parsed, memoised or written
        build = Build(version, key, elf, sources, toolchain=toolchain, warnings=warnings, origin="built")
        try:
            _write_atomic(self.cache_dir, key, elf, {"version": version, "toolchain": toolchain})
            _evict(self.cache_dir, self.disk_bytes)
        except OSError:
            pass  # a read-only or full cache folder only costs a rebuild next time
        return build

    def write_prebuilt(self, build: Build) -> Path:
        """Replace this version's prebuilt copy (older hashes of the same version are removed)."""
        if self.prebuilt_dir.is_dir():
            for meta_path in self.prebuilt_dir.glob("*.json"):
                if meta_path.stem != build.input_hash and _read_meta(meta_path).get("version") == build.version:
                    meta_path.unlink()
                    meta_path.with_suffix(".elf").unlink(missing_ok=True)
        _write_atomic(self.prebuilt_dir, build.input_hash, build.elf,
                      {"version": build.version, "toolchain": build.toolchain})
        return self.prebuilt_dir / f"{build.input_hash}.elf"


class _BoundedObjects(OrderedDict):
    """Object files by (shipped tree, source): the oldest go past `limit` entries (a few KiB each)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            return super().get(key, default)

    def __setitem__(self, key, value) -> None:
        with self._lock:
            super().__setitem__(key, value)
            while len(self) > self.limit:
                self.popitem(last=False)


def _memo_cost(key: str, build: Build) -> int:
    return len(build.elf) * MEMO_OVERHEAD


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_atomic(folder: Path, key: str, elf: bytes, meta: dict) -> None:
    """Both files or neither: a temporary file that fails half-way (disk full) is removed, never renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for suffix, data in ((".json", json.dumps(meta, indent=1, sort_keys=True).encode()), (".elf", elf)):
            tmp = folder / f".{key}{suffix}.{os.getpid()}.tmp"
            try:
                tmp.write_bytes(data)
                os.replace(tmp, folder / f"{key}{suffix}")
            finally:
                tmp.unlink(missing_ok=True)
            written.append(folder / f"{key}{suffix}")
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _evict(folder: Path, limit: int) -> None:
    """Delete the least recently written builds until the folder holds at most `limit` bytes."""
    entries = []
    for path in folder.glob("*.elf"):
        try:
            st = path.stat()
        except OSError:
            continue
        meta = path.with_suffix(".json")
        entries.append((st.st_mtime, path, st.st_size + (meta.stat().st_size if meta.exists() else 0)))
    total = sum(size for _mtime, _path, size in entries)
    for _mtime, path, size in sorted(entries):
        if total <= limit:
            break
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
        total -= size
