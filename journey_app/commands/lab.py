"""`journey lab validate | grade | list | export`: lab files, grading and the class table from the command line.

A thin layer over journey_app.labs: parse arguments, call the core, print text or JSON, return the exit status.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("lab", help="validate, grade and list lab exercises")
    sub = parser.add_subparsers(dest="lab_command", required=True)

    validate = sub.add_parser("validate", help="report every problem of lab files (file:line: field: message)")
    validate.add_argument("files", nargs="+", metavar="FILE", type=Path)
    validate.add_argument("--json", action="store_true", help="print the problems as JSON")
    validate.set_defaults(func=cmd_validate)

    grade = sub.add_parser("grade", help="grade a submission (TOML or JSON file) against a lab")
    grade.add_argument("lab", metavar="LAB", help="lab id (under <content>/labs/) or path to a lab file")
    grade.add_argument("submission", metavar="SUBMISSION", type=Path, help="a .toml or .json submission")
    grade.add_argument("--json", action="store_true", help="print the grade as JSON")
    grade.add_argument("--student", help="also record the grade in the submissions store under this name")
    grade.set_defaults(func=cmd_grade)

    listing = sub.add_parser("list", help="list the labs of the content root")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    export = sub.add_parser("export", help="print the class table (best score per student per lab) as CSV")
    export.add_argument("--lab", action="append", dest="labs", metavar="ID", help="only these labs (repeatable)")
    export.add_argument("--wide", action="store_true", help="one row per student, one column per lab")
    export.set_defaults(func=cmd_export)


def _context(settings):
    from ..catalog import Catalog
    from ..labs import LabContext

    return LabContext(settings.content_root, Catalog(settings))


def cmd_validate(args, settings) -> int:
    from ..labs import validate

    missing = [str(p) for p in args.files if not p.is_file()]
    problems = validate([p for p in args.files if p.is_file()], _context(settings))
    if args.json:
        print(json.dumps({"files": [str(p) for p in args.files], "missing": missing,
                          "problems": [p.to_json() for p in problems]}, indent=2))
    else:
        for name in missing:
            print(f"{name}: no such file", file=sys.stderr)
        for problem in problems:
            print(problem)
        if not problems and not missing:
            print(f"{len(args.files)} lab file(s) valid")
    return 1 if problems or missing else 0


def cmd_grade(args, settings) -> int:
    from ..labs import Submission, find_lab, grade

    context = _context(settings)
    lab = find_lab(args.lab, context)
    submission = Submission.load(args.submission)
    result = grade(lab, submission, context.catalog, settings=settings)
    if args.student:
        from ..labs.store import SubmissionStore

        SubmissionStore(settings.database_url).record(args.student, lab.id, submission.to_json(), result.to_json())
    if args.json:
        print(json.dumps(result.to_json(), indent=2, sort_keys=True))
    else:
        print(f"{lab.id}: {result.summary}")
        for line in result.build_errors:
            where = f"line {line['line']}" if line.get("line") else "build"
            print(f"  {where}: {line['message']}")
        for check in result.checks:
            mark = "✓" if check.passed else "✗"
            print(f"  {mark} [{check.earned}/{check.check.points}] {check.feedback}")
    return 0 if result.score == result.max_score else 1


def cmd_list(args, settings) -> int:
    from ..labs import load_labs

    labs, problems = load_labs(_context(settings))
    if args.json:
        print(json.dumps({"labs": [lab.to_json() for lab in labs.values()],
                          "problems": [p.to_json() for p in problems]}, indent=2))
    else:
        for lab in labs.values():
            kind = "edit" if lab.editable else "answers" if lab.questions and not lab.student_actions else "actions"
            print(f"{lab.id:28} {lab.max_score:3} pts  {kind:8} {', '.join(lab.chapters):16} {lab.title}")
        for problem in problems:
            print(f"invalid: {problem}", file=sys.stderr)
    return 1 if problems else 0


def cmd_export(args, settings) -> int:
    from ..labs.store import SubmissionStore

    sys.stdout.write(SubmissionStore(settings.database_url).export_csv(args.labs, wide=args.wide))
    return 0
