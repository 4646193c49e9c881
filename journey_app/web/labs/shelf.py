"""The lab shelf: each app's labs of the content root, parsed once and re-read when a lab file changes.

Owns LabShelf and its per-app instance (`shelf()`); holds nothing per user and must not shape JSON or grade.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from flask import current_app

from ...errors import NotFound
from ...labs import Lab, LabContext, LabInvalid, read_lab
from ..infra.context import catalog, settings

SHELF_KEY = "journey.labs.shelf"
LAB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class LabShelf:
    """The content root's labs, each re-read only when its file changes (instructors edit them in place).

    Per process; holds parsed Lab values and the problems of files that do not load, nothing per user."""

    def __init__(self, context: LabContext):
        self.context = context
        self._cache: dict[Path, tuple[tuple[int, int], Lab | None, list]] = {}
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return self.context.content_root / "labs"

    def _read(self, path: Path) -> tuple[Lab | None, list]:
        """(the Lab or None, its problems); FileNotFoundError when the file went away meanwhile."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            hit = self._cache.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1], hit[2]
        lab, problems = read_lab(path, self.context)
        with self._lock:
            self._cache[path] = (stamp, lab, problems)
        return lab, problems

    def all(self) -> tuple[list[Lab], list]:
        """(every lab that loads, in id order; the problems of the files that do not)."""
        labs, problems = [], []
        for path in sorted(self.folder.glob("*.toml")) if self.folder.is_dir() else []:
            try:
                lab, found = self._read(path)
            except FileNotFoundError:
                continue
            if lab is not None:
                labs.append(lab)
            problems += found
        return labs, problems

    def lab(self, lab_id: str) -> Lab:
        if not isinstance(lab_id, str) or not LAB_ID.fullmatch(lab_id):
            raise NotFound(f"no lab {lab_id!r}", {"lab": lab_id})
        try:
            lab, problems = self._read(self.folder / f"{lab_id}.toml")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound(f"no lab {lab_id!r}", {"lab": lab_id}) from None
        if lab is None:
            raise LabInvalid(f"labs/{lab_id}.toml", problems)
        return lab


def shelf() -> LabShelf:
    ext = current_app.extensions
    if SHELF_KEY not in ext:
        ext.setdefault(SHELF_KEY, LabShelf(LabContext(settings().content_root, catalog())))
    return ext[SHELF_KEY]
