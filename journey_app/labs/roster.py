"""The class table as CSV for instructors: long (one row per student and lab) or wide (one row per student).

Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io

LONG_HEADER = ("student", "lab", "best_score", "max_score", "attempts", "last_submitted_utc")


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value   # CSV/formula injection: never let a cell start a formula
    return value


def class_csv(rows, *, wide: bool = False) -> str:
    """rows: ClassRow values (store.class_table()); returns CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not wide:
        writer.writerow(LONG_HEADER)
        for r in rows:
            writer.writerow([_cell(r.student), _cell(r.lab_id), r.best_score, r.max_score, r.attempts,
                             r.last_at.strftime("%Y-%m-%dT%H:%M:%SZ")])
        return out.getvalue()
    labs = sorted({r.lab_id for r in rows})
    maxima = {r.lab_id: r.max_score for r in rows}
    students: dict[str, dict[str, int]] = {}
    for r in rows:
        students.setdefault(r.student, {})[r.lab_id] = r.best_score
    writer.writerow(["student", *[f"{lab} (/{maxima[lab]})" for lab in labs], "total", "max_total"])
    for student in sorted(students):
        scores = students[student]
        writer.writerow([_cell(student), *[scores.get(lab, "") for lab in labs], sum(scores.values()),
                         sum(maxima.values())])
    return out.getvalue()
