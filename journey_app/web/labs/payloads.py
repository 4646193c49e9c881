"""The student's view of labs as JSON: a lab's summary and detail (with its source and open hints), chapter
links, and a graded submission with its links, advice and hints (recorded in the store when asked).

Every lab and grade leaves through the labs package's student views: must never add a hidden check's text.
"""

from __future__ import annotations

import dataclasses

from flask import current_app, request, url_for

from ...caches import BoundedCache
from ...errors import JourneyError
from ...labs import Lab, grade
from ...labs.results import Grade
from ...labs.store import open_store
from ..infra.context import catalog, default_version, settings
from .requests import GradeRequest
from ..pages.listing import listing
from ..pages.chapters import chapter_url

CONTEXT_UP = 24      # how far above the first editable line the routine's label may be
CONTEXT_DOWN = 40    # how far below the last editable line the listing may reach


def lab_summary(lab: Lab) -> dict:
    return {
        "id": lab.id, "title": lab.title, "version": lab.version, "scenario": lab.scenario,
        "chapters": list(lab.chapters), "max_score": lab.max_score, "checks": len(lab.checks),
        "hints": len(lab.hints), "student_actions": lab.student_actions,
        "editable": lab.editable is not None, "questions": len(lab.questions),
        "url": url_for("labs_pages.lab", ref=lab.id), "api": url_for("labs_api.lab_detail", lab_id=lab.id),
    }


def chapter_link(lab: Lab, chapter_id: str | None) -> dict | None:
    """A chapter's id, title and page URL (title and URL None when the content lacks the chapter)."""
    if not chapter_id:
        return None
    try:
        chapter = catalog().library.chapter(lab.version, chapter_id)
    except JourneyError:
        return {"id": chapter_id, "title": None, "url": None}
    return {"id": chapter.id, "title": chapter.title, "url": chapter_url(lab.version, chapter.slug)}


def chapter_links(lab: Lab) -> list[dict]:
    return [link for link in (chapter_link(lab, chapter_id) for chapter_id in lab.chapters) if link is not None]


@dataclasses.dataclass(frozen=True)
class SourceContext:
    """The lines a lab page shows: the editable lines and their routine, or the first chapter's code."""

    file: str
    first: int
    last: int
    editable: frozenset[int]

    def lines(self, version: str):
        return listing(version, self.file).span(self.first, self.last)


def source_context(lab: Lab) -> SourceContext | None:
    try:
        if lab.editable is not None:
            lines = listing(lab.version, lab.editable.file).lines
            first, last = _around(lines, min(lab.editable.lines), max(lab.editable.lines))
            return SourceContext(lab.editable.file, first, last, frozenset(lab.editable.lines))
        if not lab.chapters:
            return None
        chapter = catalog().library.chapter(lab.version, lab.chapters[0])
        if not chapter.code_lines:
            return None
        return SourceContext(chapter.file, min(chapter.code_lines), max(chapter.code_lines), frozenset())
    except JourneyError as exc:
        current_app.logger.warning("no source context for lab %s: %s", lab.id, exc.message)
        return None


def _around(lines, first: int, last: int) -> tuple[int, int]:
    """From the routine's label above `first` to the end of the routine after `last` (the one a branch
    from the edited lines most likely lands in), trimmed to code at both ends."""
    start = next((n for n in range(first, max(1, first - CONTEXT_UP) - 1, -1) if lines[n - 1].label), None)
    start = start if start is not None else max(1, first - 8)
    labels_after = [n for n in range(last + 1, min(len(lines), last + CONTEXT_DOWN) + 1) if lines[n - 1].label]
    end = labels_after[1] - 1 if len(labels_after) > 1 else min(len(lines), last + 8)
    while end > last and lines[end - 1].role != "code":
        end -= 1
    return start, end


def lab_detail_json(lab: Lab, student: str | None = None, hints_asked: int = 0) -> dict:
    """The student's view of a lab (`Lab.to_json()`), plus links, the source around the editable lines,
    and the hints open for this student (after their failed attempts, or as many as they asked for)."""
    data = lab.to_json()
    context = source_context(lab)
    failed = failed_attempts(student, lab) if student else 0
    data.update(
        url=url_for("labs_pages.lab", ref=lab.id),
        grade_url=url_for("labs_api.grade_lab", lab_id=lab.id),
        run_url=url_for("labs_api.run_lab", lab_id=lab.id),
        chapter_links=chapter_links(lab),
        source=None if context is None else {
            "file": context.file, "first": context.first, "last": context.last,
            "lines": [{"line": line.line, "text": line.text, "role": line.role,
                       "editable": line.line in context.editable,
                       "address": line.address, "label": line.label} for line in context.lines(lab.version)],
        },
        student=student,
        failed_attempts=failed,
        hints_open=[h.to_json() for h in lab.hints_revealed(failed, hints_asked)],
    )
    return data


def failed_attempts(student: str, lab: Lab) -> int:
    return open_store(settings().database_url).failed_attempts(student, lab.id)


def grade_json(lab: Lab, req: GradeRequest) -> dict:
    """Grade, record when asked, and add what the page needs: links, advice, hints, the stored attempt."""
    graded = grade(lab, req.submission, catalog(), settings=settings())
    stored_json, view = _graded_view(lab, graded)
    saved, failed = None, 0
    if req.student:
        store = open_store(settings().database_url)
        if req.save:
            stored, failed, attempt = store.record_attempt(req.student, lab.id, req.submission.to_json(),
                                                           stored_json)
            # `attempt` is the student's own count (1 for their first), not the row id shared by the class
            saved = {"id": stored.id, "attempt": attempt, "created_at": stored.created_at.isoformat()}
        else:
            failed = store.failed_attempts(req.student, lab.id)
    result = dict(view)   # the shared view's values are never changed: only keys are added to the copy
    result.update(
        student=req.student, saved=saved, failed_attempts=failed,
        hints=[h.to_json() for h in lab.hints_revealed(failed, req.hints)], hints_total=len(lab.hints),
    )
    return result


# A grade's JSON as stored, and as shown (with chapter links and advice), made once per Grade, request shape
# and chapter index: grading answers a repeated submission with the same Grade object (labs/grading.py's
# memo), and its links were a third of the rest of a grade response. The chapters' titles are not build
# inputs (titles.toml, a Host chapter's C file), so the same Grade may need new links: the key has the
# version's content hash, as the page caches do. The entry holds the Grade, so its id is never reused
# while the entry lives.
_VIEWS: BoundedCache[tuple, tuple[Grade, dict, dict]] = BoundedCache("web.grade_views", 2 << 20,
                                                                    sizeof=lambda key, value: 8192)


def _graded_view(lab: Lab, graded: Grade) -> tuple[dict, dict]:
    key = (id(graded), request.script_root, default_version(), catalog().library.content_hash(lab.version))
    found = _VIEWS.get(key)
    if found is not None and found[0] is graded:
        return found[1], found[2]
    stored_json = graded.to_json()
    view = dict(stored_json)
    by_n = {check.n: check for check in lab.checks}
    checks = []
    for row in stored_json["checks"]:
        row = dict(row)
        check = by_n[row["n"]]
        if not check.hidden:   # hidden checks go out exactly as Grade.to_json() anonymised them
            link = chapter_link(lab, check.chapter)
            row["chapter_url"] = link["url"] if link else None
            row["chapter_title"] = link["title"] if link else None
            row["advice"] = check.on_fail if not row["passed"] else None
        checks.append(row)
    view["checks"] = checks
    view["reread_links"] = [chapter_link(lab, c) for c in stored_json["reread"]]
    _VIEWS.put(key, (graded, stored_json, view))
    return stored_json, view
