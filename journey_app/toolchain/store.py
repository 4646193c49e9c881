"""Finds or makes the Build of a kernel version: prebuilt package data, then the on-disk cache, then the toolchain.

Keys are sha256 of the build inputs; the prebuilt copy of the bundled content lets the
site run where binutils is absent. `write_prebuilt()` refreshes it (`journey build --write-prebuilt`).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from .. import paths
from ..errors import BuildError, ToolchainMissing
from .build import Build
from .pipeline import link_tree, read_tree, sweep_scratch, tree_hash
from .runner import Limits, tool_versions

TEXT_SUFFIXES = (".S", ".s", ".h", ".c", ".ld")


def _sources(tree: dict[str, bytes]) -> dict[str, str]:
    return {name: data.decode("utf-8", "replace") for name, data in tree.items() if name.endswith(TEXT_SUFFIXES)}


class BuildStore:
    """Per-process memo of builds by input hash, backed by a cache folder and the prebuilt folder."""

    def __init__(self, cache_dir: Path, limits: Limits | None = None, prebuilt_dir: Path | None = None):
        self.cache_dir = Path(cache_dir) / "builds"
        self.prebuilt_dir = prebuilt_dir or paths.prebuilt_dir()
        self.limits = limits or Limits()
        self.scratch: Path | None = Path(cache_dir) / "scratch"
        try:
            Path(cache_dir, "scratch").mkdir(parents=True, exist_ok=True)
            sweep_scratch(Path(cache_dir, "scratch"))
        except OSError:
            self.scratch = None  # an unwritable cache folder: build in the system temp folder
        self._memo: dict[str, Build] = {}
        self._failures: dict[str, BuildError] = {}  # a source that won't assemble fails fast next time
        self._lock = threading.Lock()

    def build_kernel(self, kernel_dir: Path, version: str) -> Build:
        return self.build_tree(read_tree(kernel_dir), version)

    def build_tree(self, tree: dict[str, bytes], version: str) -> Build:
        key = tree_hash(tree)
        with self._lock:
            cached = self._memo.get(key)
            failed = self._failures.get(key)
        if cached is not None:
            return cached
        if failed is not None:
            raise failed
        try:
            build = self._load(key, tree, version) or self._make(key, tree, version)
        except BuildError as exc:
            if not isinstance(exc, ToolchainMissing):
                with self._lock:
                    if len(self._failures) > 64:
                        self._failures.pop(next(iter(self._failures)))
                    self._failures[key] = exc
            raise
        with self._lock:
            if len(self._memo) > 64:  # edited sources (labs) must not grow the memo without bound
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = build
        return build

    def _load(self, key: str, tree: dict[str, bytes], version: str) -> Build | None:
        for folder, origin in ((self.prebuilt_dir, "prebuilt"), (self.cache_dir, "cache")):
            elf_path = folder / f"{key}.elf"
            if elf_path.is_file():
                meta = _read_meta(folder / f"{key}.json")
                return Build(version, key, elf_path.read_bytes(), _sources(tree),
                             toolchain=meta.get("toolchain", {}), origin=origin)
        return None

    def _make(self, key: str, tree: dict[str, bytes], version: str) -> Build:
        toolchain = tool_versions()
        elf, warnings = link_tree(tree, self.limits, self.scratch)
        build = Build(version, key, elf, _sources(tree), toolchain=toolchain, warnings=warnings, origin="built")
        try:
            _write_atomic(self.cache_dir, key, elf, {"version": version, "toolchain": toolchain})
        except OSError:
            pass  # a read-only cache folder only costs a rebuild next time
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


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_atomic(folder: Path, key: str, elf: bytes, meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, data in ((".json", json.dumps(meta, indent=1, sort_keys=True).encode()), (".elf", elf)):
        tmp = folder / f".{key}{suffix}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, folder / f"{key}{suffix}")
