"""Builds a version's content index once per content hash and keeps it on disk under the cache folder.

`<cache>/index/<hash>/xref.json` and `search.sqlite3` are written atomically (a scratch folder renamed
into place), so concurrent workers never read half a file; each process memoises what it loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..journey import Chapter, Library
from .ctags import run_ctags
from .search import SearchDoc, SearchResults, build_database, search
from .xref import Xref, build_xref, code_only

# Bump when the index layout or what goes into it changes: old folders are then simply not used.
INDEX_FORMAT = "journey-index-1"
KEEP_PER_PROCESS = 4


@dataclass
class ContentIndex:
    version: str
    content_hash: str
    xref: Xref
    search_path: Path
    origin: str  # "built" or "cache"

    def search(self, query: str) -> SearchResults:
        return search(self.search_path, query)


class IndexStore:
    def __init__(self, cache_dir: Path | str):
        self.root = Path(cache_dir) / "index"
        self._memo: dict[tuple[str, str], ContentIndex] = {}
        self._lock = threading.Lock()
        self._building = threading.Lock()

    def get(self, library: Library, version: str) -> ContentIndex:
        key = (version, index_hash(library, version))
        found = self._memo.get(key)
        if found is not None:
            return found
        with self._building:  # one build at a time per process; a second caller finds it done
            found = self._memo.get(key) or self._load(version, key[1]) or self._build(library, version, key[1])
        with self._lock:
            self._memo[key] = found
            while len(self._memo) > KEEP_PER_PROCESS:
                self._memo.pop(next(iter(self._memo)))
        return found

    def _folder(self, digest: str) -> Path:
        return self.root / digest

    def _load(self, version: str, digest: str) -> ContentIndex | None:
        folder = self._folder(digest)
        try:
            xref = Xref.from_json(json.loads((folder / "xref.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not (folder / "search.sqlite3").is_file():
            return None
        return ContentIndex(version, digest, xref, folder / "search.sqlite3", "cache")

    def _build(self, library: Library, version: str, digest: str) -> ContentIndex:
        version_dir = library.version_dir(version)
        files = library.files(version)
        texts = {file: library.source(version, file) for file in files}
        chapters = library.chapters(version)
        xref = build_xref(run_ctags(version_dir, files), texts, chapter_locator(chapters))
        self.root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=self.root))
        try:
            (scratch / "xref.json").write_text(json.dumps(xref.to_json(), separators=(",", ":")))
            build_database(scratch / "search.sqlite3", search_docs(chapters, xref, texts))
            try:
                os.rename(scratch, self._folder(digest))
            except OSError:
                pass  # another worker put the same index in place first; theirs is identical
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        loaded = self._load(version, digest)
        if loaded is None:
            raise OSError(f"the content index for {version} could not be stored under {self.root}")
        loaded.origin = "built"
        return loaded


def index_hash(library: Library, version: str) -> str:
    return hashlib.sha256(f"{INDEX_FORMAT}\0{library.content_hash(version)}".encode()).hexdigest()


def chapter_locator(chapters: list[Chapter]):
    """(file, line) → the id of the chapter holding that line, or None."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for c in chapters:
        spans.setdefault(c.file, []).append((c.start_line, c.end_line, c.id))

    def chapter_of(file: str, line: int) -> str | None:
        for start, end, ident in spans.get(file, ()):
            if start <= line <= end:
                return ident
        return None

    return chapter_of


def search_docs(chapters: list[Chapter], xref: Xref, texts: dict[str, str]) -> list[SearchDoc]:
    docs = []
    code = {file: code_only(text).split("\n") for file, text in texts.items()}
    for c in chapters:
        lines = code[c.file][c.start_line - 1:c.end_line]
        notes = "\n".join(note.text for note in c.notes)
        docs.append(SearchDoc("chapter", c.id, f"{c.file}:{c.start_line}", f"{c.id} {c.title}",
                              f"{c.text}\n{notes}", "\n".join(lines)))
    for name in xref.names():
        for d in xref.definitions[name]:
            docs.append(SearchDoc("name", name, f"{d.file}:{d.line}", name,
                                  f"{d.kind} {name}{d.signature or ''} in {d.file}", ""))
    for file in sorted(texts):
        docs.append(SearchDoc("file", file, file, file, file.replace("/", " ").replace(".", " "), ""))
    return docs
