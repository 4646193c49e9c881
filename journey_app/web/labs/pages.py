"""Lab pages: the list of labs and lab mode (instructions beside the live machine, an editor for the
permitted lines, "check my work"), each with a `.json` twin; a plain form POST grades without JavaScript.

Views of the data the lab API serves; grading, hints and the store are reached only through its modules
(api, payloads, requests, shelf).
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, render_template, request, url_for
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from ...errors import JourneyError
from ...labs import Lab
from ..infra import csrf
from .api import list_labs
from .payloads import grade_json, lab_detail_json, source_context
from .requests import grade_request, hints_asked, student_name
from .shelf import shelf
from ..pages.chapters import contents_url
from ..infra.ratelimit import limiter, this_client

bp = Blueprint("labs_pages", __name__)

JSON = ".json"
_LINE_FIELD = re.compile(r"line-([0-9]{1,6})")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
# Instructors write Markdown; raw HTML in it stays text (html=False), so a lab file cannot inject markup.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.app_template_filter("lab_markdown")
def lab_markdown(text: str) -> Markup:
    return Markup(_MARKDOWN.render(text or ""))


@bp.app_template_filter("code_spans")
def code_spans(text: str | None) -> Markup:
    """Short lab texts (check texts, advice, hints): `code` spans only, everything else escaped.
    static/js/labs/feedback.js renders the same texts the same way."""
    out, last = [], 0
    text = text or ""
    for match in _CODE_SPAN.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup("<code>") + escape(match.group(1)) + Markup("</code>"))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


# -- pages -----------------------------------------------------------------------------------------


@bp.get("/labs")
def labs():
    # The labs that load, and every problem of those that do not (file, line, field), so an
    # instructor sees why a lab is missing instead of it silently vanishing.
    return render_template("labs_list.html", data=list_labs(), json_url=url_for("labs_pages.labs_json"))


@bp.get("/labs.json")
def labs_json():
    return list_labs()


@bp.get("/labs/<ref>")
def lab(ref: str):
    lab_id, as_json = (ref[: -len(JSON)], True) if ref.endswith(JSON) else (ref, False)
    lab_ = shelf().lab(lab_id)
    student = student_name(request.args.get("student"))
    asked = hints_asked(request.args.get("hints"))
    if as_json:
        return lab_detail_json(lab_, student, asked)
    return render_lab(lab_, student=student, hints=asked)


@bp.post("/labs/<lab_id>/grade")
def grade_form(lab_id: str):
    """Check my work without JavaScript: the form's fields become the API's request; the answer is the
    lab page again, with the result above the form and the student's work still in it."""
    lab_ = shelf().lab(lab_id)
    body, form = form_request(lab_)
    try:
        csrf.require()
        limiter().check("grade", this_client())
        req = grade_request(body, lab_)
        grade = grade_json(lab_, req)
    except JourneyError as exc:
        return render_lab(lab_, form=form, error=exc, hints=hints_of(body)), exc.status
    return render_lab(lab_, form=form, grade=grade, hints=req.hints, student=req.student)


def hints_of(body: dict) -> int:
    try:
        return hints_asked(body.get("hints"))
    except JourneyError:
        return 0


def form_request(lab_: Lab) -> tuple[dict, dict]:
    """(the grade request the form stands for, the form's values to show again)."""
    f = request.form
    originals = dict(lab_.editable.original) if lab_.editable else {}
    student = " ".join(f.get("student", "").split())
    edits_shown, edits = dict(originals), {}
    for key, value in f.items():
        match = _LINE_FIELD.fullmatch(key)
        if not match:
            continue
        line = int(match.group(1))
        value = value.rstrip("\r\n")
        edits_shown[line] = value
        if originals.get(line) != value:
            edits[str(line)] = value
    answers = {q.id: f.get(f"answer-{q.id}", "").strip() for q in lab_.questions}
    body: dict = {}
    if student:
        body.update(student=student, save=True)
    if lab_.student_actions and f.get("actions", "").strip():
        body["actions"] = f.get("actions", "")
    if edits:
        body["edits"] = edits
    if any(answers.values()):
        body["answers"] = {k: v for k, v in answers.items() if v}
    if f.get("hints"):
        body["hints"] = f.get("hints")
    form = {"student": student, "actions": f.get("actions", ""), "edits": edits_shown, "answers": answers}
    return body, form


def render_lab(lab_: Lab, *, student: str | None = None, hints: int = 0, form: dict | None = None,
               grade: dict | None = None, error: JourneyError | None = None):
    data = lab_detail_json(lab_, student, hints)
    context = source_context(lab_)
    lines = context.lines(lab_.version) if context is not None else ()
    originals = dict(lab_.editable.original) if lab_.editable else {}
    form = form or {"student": student or "", "actions": "", "edits": originals, "answers": {}}
    hints_open = grade["hints"] if grade is not None else data["hints_open"]
    opened = max((h["n"] for h in hints_open), default=0)
    # The explorer panel (machine_panel.html) reads the page's chapter: the lab's first chapter, with
    # the listing's lines as its range so event links land on the lines shown here.
    panel_chapter = {"id": lab_.chapters[0] if lab_.chapters else "",
                     "file": context.file if context else "",
                     "start_line": context.first if context else 0,
                     "end_line": context.last if context else 0}
    error_json = None
    if error is not None:
        error_json = error.to_json()["error"]
        if not isinstance(error_json.get("detail"), dict):
            error_json["detail"] = {}
    return render_template(
        "labs_lab.html", lab=lab_, data=data, lines=lines, context=context, form=form, grade=grade,
        error=error_json, hints_open=hints_open, next_hint=opened + 1 if opened < len(lab_.hints) else None,
        chapter=panel_chapter, json_url=url_for("labs_pages.lab", ref=lab_.id + JSON),
        home_url=contents_url(lab_.version),
    )
