"""Lab JSON API: list labs, one lab's student view, try an edited source (`/run`), grade (`/grade`).

Only the routes: HTTP to `journey_app.labs` and back through requests.py (validation, limits), payloads.py
(student views, the store, hints) and run.py (edited builds); grading, the sandbox and the checks live in
the labs package. Hidden checks never reach a response: every lab and grade goes out through their student
views. Documented by OPENAPI (labs/openapi.py, merged by explorer/openapi.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request

from . import openapi
from .payloads import grade_json, lab_detail_json, lab_summary
from .requests import grade_request, hints_asked, json_body, student_name
from .run import run_json
from .shelf import shelf
from ..infra.ratelimit import rate_limited

bp = Blueprint("labs_api", __name__)

# explorer/openapi.py reads the fragment from the module of each blueprint, so it must be a name of this module.
OPENAPI = openapi.OPENAPI


def register(app: Flask) -> None:
    app.register_blueprint(bp)


# -- routes ---------------------------------------------------------------------------------------------


@bp.get("/api/labs")
def list_labs():
    labs, problems = shelf().all()
    if problems:
        current_app.logger.warning("%d problem(s) in lab files; `journey lab validate` lists them", len(problems))
    return {"labs": [lab_summary(lab) for lab in labs], "problems": [p.to_json() for p in problems]}


@bp.get("/api/labs/<lab_id>")
def lab_detail(lab_id: str):
    lab = shelf().lab(lab_id)
    return lab_detail_json(lab, student_name(request.args.get("student")), hints_asked(request.args.get("hints")))


@bp.post("/api/labs/<lab_id>/grade")
@rate_limited("grade")
def grade_lab(lab_id: str):
    lab = shelf().lab(lab_id)
    return grade_json(lab, grade_request(json_body(), lab))


@bp.post("/api/labs/<lab_id>/run")
def run_lab(lab_id: str):
    lab = shelf().lab(lab_id)
    return run_json(lab, json_body())

