"""The content library: kernel versions under a content root, their chapter files, chapters and sources.

Caches parses per instance; a bad file is a ContentError in `errors(version)`, never a site-wide failure.
"""

from __future__ import annotations

import dataclasses

import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..caches import BoundedCache
from ..errors import ContentError, NotFound
from .chapters import ParsedFile, line_roles, parse_source
from .markers import content_error
from .model import STAGES, Chapter, LineRole, file_order_key, journey_order_key
from .model_notes import FILE as MODEL_NOTES_FILE
from .model_notes import ModelNote, load_model_notes
from .titles import FILE as TITLES_FILE
from .titles import load_titles

RECHECK_SECONDS = 1.0  # how stale a version's chapter index may be before the folder is stat-ed again

# Where chapters live in a version folder: the kernel's own tree (include/linux/lguest*.h hold
# chapters too). standins/ holds our stand-in headers and glue/ our linker glue; neither is kernel
# text, so neither is searched for markers.
CHAPTER_ROOTS = ("arch", "drivers", "Documentation", "include")
CHAPTER_SUFFIXES = (".S", ".c", ".h")  # the Makefile's `find -name '*.[chS]'`

# Every form people type: G:033, G-033, g-033, G033, g33, G:33, "G 33", G_033.
_CHAPTER_REF = re.compile(rf"^(?P<letter>[{''.join(STAGES)}])[:\-_ ]?(?P<digits>[0-9]{{1,9}})$", re.IGNORECASE)


def version_sort_key(name: str) -> tuple:
    """Natural order, so 2.6.9 < 2.6.31 < 3.0; digits compare as numbers, other text as text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)


# Parses by (path, (mtime, size), file, version), shared by every Library of the process: a parse is a pure
# function of the file's text, so a second Library over the same files (a test's fresh app, a CLI command
# beside the site) reads them instead of lexing them again. Charged ~10 bytes a byte of source.
_PARSED: BoundedCache[tuple[str, tuple[int, int], str, str], ParsedFile] = BoundedCache(
    "journey.parsed_files", 32 << 20, sizeof=lambda key, parsed: 10 * key[1][1] + 1024)


@dataclass(frozen=True)
class _VersionIndex:
    files: tuple[str, ...]
    parsed: dict[str, ParsedFile]
    journey: tuple[Chapter, ...]
    file_order: tuple[Chapter, ...]
    by_ref: dict[tuple[str, int], Chapter]
    errors: tuple[ContentError, ...]
    content_hash: str  # sha256 over every chapter file's path and text: what derived indexes key on
    model_notes: dict[str, tuple[ModelNote, ...]]  # chapter id -> how the explorer's model follows its code


class Library:
    """Kernel versions found by listing `<content_root>/kernels/`; adding a folder adds a version."""

    def __init__(self, content_root: Path | str, recheck_seconds: float = RECHECK_SECONDS):
        self.content_root = Path(content_root)
        self.recheck_seconds = recheck_seconds
        # Parsed files keyed by (version, file) and indexes keyed by version; each entry remembers the
        # (mtime, size) it was built from, so an edited file is parsed again on the next call.
        self._files: dict[tuple[str, str], tuple[tuple[int, int], ParsedFile | ContentError]] = {}
        self._indexes: dict[str, tuple[tuple, _VersionIndex]] = {}
        self._checked: dict[str, float] = {}
        self._versions: tuple[float, tuple[str, ...]] | None = None
        self._dirs: dict[str, Path] = {}
        self._lock = threading.Lock()

    # -- versions and files -------------------------------------------------------------------

    def versions(self) -> list[str]:
        """Listed again at most once per `recheck_seconds`: every page asks, several times."""
        now = time.monotonic()
        listed = self._versions
        if listed is not None and now - listed[0] < self.recheck_seconds:
            return list(listed[1])
        found = self._list_versions()
        self._versions = (now, tuple(found))
        return found

    def _list_versions(self) -> list[str]:
        kernels = self.content_root / "kernels"
        if not kernels.is_dir():
            return []
        # A version is a folder holding kernel text (arch/): an empty or half-copied folder must not
        # become the newest "version" and hide the good ones.
        names = [p.name for p in kernels.iterdir()
                 if p.is_dir() and not p.name.startswith(".") and (p / "arch").is_dir()]
        return sorted(names, key=version_sort_key)

    def files(self, version: str) -> list[str]:
        """The version's chapter files (relative, "/"-separated), sorted."""
        return list(self._index(version).files)

    def source(self, version: str, file: str) -> str:
        """Text of any file in the version folder (kernel text, glue, stand-in headers)."""
        return _read_text(self._resolve(version, file), file)

    # -- chapters -------------------------------------------------------------------------------

    def chapters(self, version: str) -> list[Chapter]:
        """Journey order: stage P, G, D, L, H, S, M, then number."""
        return list(self._index(version).journey)

    def chapters_in_file_order(self, version: str) -> list[Chapter]:
        return list(self._index(version).file_order)

    def chapter(self, version: str, id_or_slug: str) -> Chapter:
        """Accepts "G:033", "g:033", "G033", "g33" and the URL form "G-033"; numbers compare as numbers."""
        match = _CHAPTER_REF.match(id_or_slug.strip()) if isinstance(id_or_slug, str) else None
        found = None
        if match:
            found = self._index(version).by_ref.get((match["letter"].upper(), int(match["digits"])))
        if found is None:
            raise NotFound(f"no chapter {id_or_slug!r} in kernel {version}",
                           detail={"version": version, "chapter": id_or_slug})
        return found

    def model_notes(self, version: str, chapter_id: str) -> tuple[ModelNote, ...]:
        """How the explorer's model follows this chapter's code (model_notes.toml), in file order."""
        return self._index(version).model_notes.get(chapter_id, ())

    def line_roles(self, version: str, file: str) -> list[LineRole]:
        """Owner chapter and role of every line of `file`, for the source view."""
        index = self._index(version)
        if file in index.parsed:
            standing = [c for c in index.file_order if c.file == file]
            return list(line_roles(index.parsed[file], standing))
        # glue/ or include/ files: no chapters, but the view still wants code/comment/blank.
        path = self._resolve(version, file)
        return list(line_roles(parse_source(_read_text(path, file), file, version), ()))

    def errors(self, version: str) -> list[ContentError]:
        return list(self._index(version).errors)

    def content_hash(self, version: str) -> str:
        """Changes whenever a chapter file is added, removed or edited (re-checked like the index)."""
        return self._index(version).content_hash

    def version_dir(self, version: str) -> Path:
        return self._version_dir(version)

    # -- internals ------------------------------------------------------------------------------

    def _version_dir(self, version: str) -> Path:
        listed = self._versions
        if listed is None or time.monotonic() - listed[0] >= self.recheck_seconds or version not in listed[1]:
            if not isinstance(version, str) or version not in self.versions():
                raise NotFound(f"no kernel version {version!r}", detail={"version": version, "known": self.versions()})
        # Every page asks several times: the Path is made once per version.
        found = self._dirs.get(version)
        if found is None:
            found = self._dirs[version] = self.content_root / "kernels" / version
        return found

    def _resolve(self, version: str, file: str) -> Path:
        """The path of `file` in the version folder; NotFound for anything that is not a file inside it."""
        root = self._version_dir(version).resolve()
        missing = NotFound(f"no file {file!r} in kernel {version}", detail={"version": version, "file": file})
        if not isinstance(file, str) or not file or "\\" in file or "\0" in file:
            raise missing
        pure = PurePosixPath(file)
        # PurePosixPath drops "." parts and doubled or trailing slashes, so a file has one name only:
        # "arch/./x86/..." would be another page (and cache entry) for the same file, without its chapters.
        if pure.as_posix() != file or pure.is_absolute() or any(p in ("", ".", "..") or p.startswith(".")
                                                                for p in pure.parts):
            raise missing
        path = (root / file).resolve()
        # A symlink could still point outside; only files whose real path is under the root are served.
        if not path.is_relative_to(root) or not path.is_file():
            raise missing
        return path

    def _list_chapter_files(self, version_dir: Path) -> tuple[list[tuple[str, Path]], list[ContentError]]:
        root = version_dir.resolve()
        found: list[tuple[str, Path]] = []
        errors: list[ContentError] = []
        for top in CHAPTER_ROOTS:
            for dirpath, dirnames, filenames in os.walk(version_dir / top):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in filenames:
                    if name.startswith(".") or not name.endswith(CHAPTER_SUFFIXES):
                        continue
                    path = Path(dirpath) / name
                    rel = path.relative_to(version_dir).as_posix()
                    if not path.resolve().is_relative_to(root):
                        errors.append(content_error(rel, None, "links outside the kernel version folder; skipped"))
                        continue
                    found.append((rel, path))
        return sorted(found), errors

    def _parsed(self, version: str, rel: str, path: Path) -> tuple[tuple[int, int] | None, ParsedFile | ContentError]:
        """(the file's (mtime, size) stamp, its parse), from the cache while the stamp is unchanged."""
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError as exc:
            return None, content_error(rel, None, f"cannot read: {exc.strerror or exc}")
        cached = self._files.get((version, rel))
        if cached is not None and cached[0] == stamp:
            return cached
        shared = (str(path), stamp, rel, version)
        result: ParsedFile | ContentError | None = _PARSED.get(shared)
        if result is None:
            try:
                result = parse_source(_read_text(path, rel), rel, version)
                _PARSED.put(shared, result)
            except ContentError as exc:   # not shared: each Library raises its own
                result = exc
        self._files[(version, rel)] = (stamp, result)
        return stamp, result

    def _index(self, version: str) -> _VersionIndex:
        version_dir = self._version_dir(version)
        now = time.monotonic()
        with self._lock:
            checked = self._checked.get(version)
            cached = self._indexes.get(version)
            # Walking and stat-ing the folder costs ~0.3 ms; a lookup-heavy request (grading asks
            # several times) re-checks the disk at most once per `recheck_seconds`.
            if cached is not None and checked is not None and now - checked < self.recheck_seconds:
                return cached[1]
            self._checked[version] = now
            listed, errors = self._list_chapter_files(version_dir)
            stamped = {rel: self._parsed(version, rel, path) for rel, path in listed}
            # The index is rebuilt when a file is added, removed or changed (or is still unreadable).
            signature = tuple((rel, stamp) for rel, (stamp, _) in stamped.items())
            signature += tuple((name, _stamp(version_dir / name)) for name in (TITLES_FILE, MODEL_NOTES_FILE))
            if cached is not None and cached[0] == signature and None not in (s for _, s in signature):
                return cached[1]
            titles, title_errors = load_titles(version_dir)
            notes, note_errors = load_model_notes(version_dir)
            index = _build_index({rel: result for rel, (_, result) in stamped.items()},
                                 errors + title_errors + note_errors, titles, notes)
            self._indexes[version] = (signature, index)
            return index


def _stamp(path: Path) -> tuple[int, int]:
    """A metadata file's (mtime, size); (0, 0) when there is none, so a missing file is a stable state."""
    try:
        stat = path.stat()
    except OSError:
        return 0, 0
    return stat.st_mtime_ns, stat.st_size


def _build_index(results: dict[str, ParsedFile | ContentError], errors: list[ContentError],
                 titles: dict[str, str] | None = None, notes: tuple[ModelNote, ...] = ()) -> _VersionIndex:
    titles = titles or {}
    parsed: dict[str, ParsedFile] = {}
    by_ref: dict[tuple[str, int], Chapter] = {}
    for rel, result in results.items():
        if isinstance(result, ContentError):
            errors.append(result)
            continue
        parsed[rel] = result
        errors.extend(result.errors)
        for chapter in result.chapters:
            # extract aborts on a repeated number within a letter; we keep the first (in file order)
            # and report the second, so one slip does not take the whole Journey down.
            first = by_ref.get((chapter.stage, chapter.number))
            if first is not None:
                errors.append(
                    content_error(
                        rel, chapter.start_line, f"{chapter.id} already defined at {first.file}:{first.start_line}"
                    )
                )
                continue
            if chapter.id in titles:
                chapter = dataclasses.replace(chapter, heading=titles[chapter.id])
            by_ref[(chapter.stage, chapter.number)] = chapter
    standing = list(by_ref.values())
    digest = hashlib.sha256()
    for rel in sorted(results):
        result = results[rel]
        body = "\n".join(result.lines) if isinstance(result, ParsedFile) else f"error: {result.message}"
        digest.update(f"{rel}\0{len(body)}\0{body}\0".encode("utf-8", "surrogatepass"))
    digest.update(repr(sorted(titles.items())).encode())      # titles change pages too
    digest.update(repr([note.to_json() for note in notes]).encode())    # and so do model notes
    model_notes: dict[str, tuple[ModelNote, ...]] = {}
    for note in notes:
        if (note.chapter[0], int(note.chapter[2:])) not in by_ref:
            errors.append(ContentError(f"{MODEL_NOTES_FILE}: note {note.id!r} is for {note.chapter}, which is not "
                                       "a chapter", {"file": MODEL_NOTES_FILE, "note": note.id}))
            continue
        model_notes[note.chapter] = model_notes.get(note.chapter, ()) + (note,)
    return _VersionIndex(
        files=tuple(results),
        parsed=parsed,
        journey=tuple(sorted(standing, key=journey_order_key)),
        file_order=tuple(sorted(standing, key=file_order_key)),
        by_ref=by_ref,
        errors=tuple(errors),
        content_hash=digest.hexdigest(),
        model_notes=model_notes,
    )


def _read_text(path: Path, rel: str) -> str:
    """File text; binary or unreadable files raise ContentError naming the file (and line, if known)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise content_error(rel, None, f"cannot read: {exc.strerror or exc}") from exc
    nul = data.find(b"\0")
    if nul >= 0:
        raise content_error(rel, data.count(b"\n", 0, nul) + 1, "binary data (NUL byte), not source text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Kernel files from before the move to UTF-8 may carry Latin-1 names in comments.
        return data.decode("latin-1")
