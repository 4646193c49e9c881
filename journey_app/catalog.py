"""`Catalog`: per kernel version, the chapters, the source text and the Build, tied together.

The one object the web layer, the CLI and runs ask "which chapter owns this address?".
It holds no request state: per-process caches only, safe to share between threads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import NotFound
from .journey.library import Library
from .settings import Settings
from .toolchain import Build, BuildStore, Limits


@dataclass(frozen=True)
class Located:
    """Where an address lives: symbol, source line and the chapter owning that line."""

    address: int
    symbol: str | None
    file: str | None
    line: int | None
    chapter: str | None

    def to_json(self) -> dict:
        return {"address": self.address, "symbol": self.symbol, "file": self.file,
                "line": self.line, "chapter": self.chapter}


STAT_INTERVAL = 1.0  # seconds between checks that a kernel folder's files are unchanged


def _stat_fingerprint(kernel_dir: Path) -> tuple:
    from .toolchain.pipeline import INPUT_DIRS

    entries = []
    for top in INPUT_DIRS:
        for path in sorted((kernel_dir / top).rglob("*")):
            try:
                st = path.stat()
            except OSError:
                continue
            entries.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(entries)


class Catalog:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.content_root = Path(settings.content_root)
        self.library = Library(self.content_root)
        self.store = BuildStore(settings.cache_dir, Limits(timeout=settings.build_timeout,
                                                                 require_landlock=settings.jail == "required"))
        self._owners: dict[tuple[str, str], dict[int, str]] = {}
        self._builds: dict[str, tuple[float, tuple, Build]] = {}
        self._lock = threading.Lock()

    def versions(self) -> list[str]:
        return self.library.versions()

    def default_version(self) -> str:
        versions = self.versions()
        if not versions:
            raise NotFound(f"no kernel versions under {self.content_root / 'kernels'}", None)
        return versions[-1]

    def kernel_dir(self, version: str) -> Path:
        if version not in self.versions():
            raise NotFound(f"unknown kernel version {version!r}", {"versions": self.versions()})
        return self.content_root / "kernels" / version

    def build(self, version: str) -> Build:
        """The version's Build; the tree is re-read only when a file's stat changed (checked ≤ 1/s)."""
        now = time.monotonic()
        with self._lock:
            memo = self._builds.get(version)
        if memo is not None and now - memo[0] < STAT_INTERVAL:
            return memo[2]          # (a known version: only kernel_dir's checks put it there)
        kernel_dir = self.kernel_dir(version)
        stamp = _stat_fingerprint(kernel_dir)
        if memo is not None and memo[1] == stamp:
            build = memo[2]
        else:
            build = self.store.build_kernel(kernel_dir, version)
        with self._lock:
            self._builds[version] = (now, stamp, build)
        return build

    def build_with(self, version: str, overrides: dict[str, bytes]) -> Build:
        """Build of the version with some files replaced by TRUSTED text (the CLI's own files): the text goes
        through cpp. Student edits never come here: they go through toolchain/sandbox.build_edited."""
        from .toolchain.pipeline import read_tree

        tree = read_tree(self.kernel_dir(version))
        tree.update(overrides)
        return self.store.build_tree(tree, version)

    def build_spliced(self, version: str, file: str, lines: dict[int, str], shown: str, admit=None) -> Build:
        """Build of the version with checked student lines spliced into `file` after cpp (never through it)."""
        from .toolchain.pipeline import read_tree

        return self.store.build_tree(read_tree(self.kernel_dir(version)), version, splices={file: lines},
                                     shown={file: shown}, admit=admit)

    def assembled_files(self, version: str) -> list[str]:
        """The kernel .S files the build assembles: the only files an edit may change (the line grammar is
        GAS's; a C file compiled by the build would need a grammar of its own)."""
        from .toolchain.pipeline import assembly_order, read_tree

        return [name for name in assembly_order(read_tree(self.kernel_dir(version)))
                if name.endswith(".S") and not name.startswith("glue/")]

    def macros(self, version: str, file: str):
        """The object-like macros `file` sees (cpp over the shipped text), for the sandbox to expand."""
        from .toolchain.pipeline import read_tree

        return self.store.macros(read_tree(self.kernel_dir(version)), file)

    def chapter_owner(self, version: str, file: str, line: int) -> str | None:
        key = (version, file)
        with self._lock:
            owners = self._owners.get(key)
        if owners is None:
            owners = {}
            for chapter in self.library.chapters(version):
                if chapter.file == file:
                    for number in range(chapter.start_line, chapter.end_line + 1):
                        owners[number] = chapter.id
            with self._lock:
                self._owners[key] = owners
        return owners.get(line)

    def locate(self, build: Build, address: int) -> Located:
        ref = build.line_at(address)
        chapter = self.chapter_owner(build.version, ref.file, ref.line) if ref else None
        return Located(address, build.symbolize(address), ref.file if ref else None,
                       ref.line if ref else None, chapter)
