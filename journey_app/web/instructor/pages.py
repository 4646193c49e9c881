"""Instructor pages: the class table (student × lab best score) and its CSV export, behind the token
in JOURNEY_INSTRUCTOR_TOKEN; with no token set they answer 403 "instructor pages are disabled".

Auth: `Authorization: Bearer <token>` on any request, or the login form, which sets a signed, HttpOnly,
SameSite=Strict cookie. Tokens are compared in constant time and never read from
URLs. Failed attempts count against the client's rate limit (shared by every worker: web/infra/ratelimit.py),
and a client over it is refused BEFORE its token is compared, so the right token guessed late still gets
429. Reads the store; grades nothing.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...errors import BadInput, JourneyError, NotFound, RateLimited, Unauthorized
from ...labs.store import LAB_ID, open_store
from ..infra import csrf
from ..infra.context import settings
from ..labs.shelf import shelf
from ..infra.ratelimit import limiter, this_client

bp = Blueprint("instructor", __name__)

COOKIE = "journey_instructor"
COOKIE_PATH = "/"   # "/instructor" would not cover the /instructor.json twin
SESSION_SECONDS = 8 * 3600
SALT = "journey.instructor.v1"


class InstructorDisabled(JourneyError):
    code = "instructor_disabled"
    status = 403


def register(app: Flask) -> None:
    app.register_blueprint(bp)


# -- the token and the cookie --------------------------------------------------------------------


def _token() -> str:
    token = settings().instructor_token
    if not token:
        raise InstructorDisabled("instructor pages are disabled: set JOURNEY_INSTRUCTOR_TOKEN to enable them", None)
    return token


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def token_matches(given: str | None, token: str) -> bool:
    """Constant time over equal-length digests: neither the token's length nor its prefix leaks."""
    return given is not None and hmac.compare_digest(_digest(given), _digest(token))


def _signer(token: str) -> URLSafeTimedSerializer:
    """Signs the login cookie with the app's SECRET_KEY, or, when none is set, a key derived from the
    token itself (so several workers agree, and changing the token ends every session)."""
    secret = (current_app.config.get("SECRET_KEY")
              or hashlib.sha256(b"journey-instructor-cookie\0" + _digest(token)).digest())
    return URLSafeTimedSerializer(secret, salt=SALT)


def _fingerprint(token: str) -> str:
    # A cookie names which token it was issued for, so a new token invalidates it even under a fixed SECRET_KEY.
    return hashlib.sha256(b"fingerprint\0" + _digest(token)).hexdigest()[:32]


LOGIN_BUCKET = "instructor-login"


def _before_compare() -> None:
    """A client over its failed-attempt limit gets 429 whatever token it sends: nothing is compared."""
    limiter().peek(LOGIN_BUCKET, this_client())


def _refuse(message: str) -> None:
    """A failed attempt: counted against the client (429 once over JOURNEY_GRADE_RATE a minute), then 401."""
    limiter().check(LOGIN_BUCKET, this_client())
    raise Unauthorized(message, None)


def authorised() -> bool:
    """True for a valid Bearer token or login cookie; Unauthorized for a wrong Bearer token; False for none."""
    token = _token()
    header = request.headers.get("Authorization", "")
    if header:
        _before_compare()
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not token_matches(given.strip(), token):
            _refuse("the Authorization header does not carry the instructor token")
        return True
    cookie = request.cookies.get(COOKIE)
    if cookie:
        try:
            data = _signer(token).loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:
            return False
        return isinstance(data, dict) and hmac.compare_digest(str(data.get("k", "")), _fingerprint(token))
    return False


def require() -> None:
    if not authorised():
        raise Unauthorized("instructor pages need the instructor token (log in at /instructor, or send "
                           "Authorization: Bearer <token>)", None)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="journey-instructor"'
    return response


# -- data ---------------------------------------------------------------------------------------------


def _lab_filter() -> list[str] | None:
    ids = request.args.getlist("lab")
    for lab_id in ids:
        if not LAB_ID.fullmatch(lab_id):
            raise BadInput("lab is a lab id: lower-case letters, digits and '-'", {"field": "lab"})
    return ids or None


def class_data(lab_ids: list[str] | None = None) -> dict:
    labs, problems = shelf().all()
    rows = open_store(settings().database_url).class_table(lab_ids)
    known = {lab.id: lab for lab in labs}
    columns = [lab.id for lab in labs if not lab_ids or lab.id in lab_ids]
    columns += sorted({r.lab_id for r in rows} - set(columns))   # labs whose file is gone keep their column
    students: dict[str, dict] = {}
    for r in rows:
        students.setdefault(r.student, {})[r.lab_id] = r.to_json()
    return {
        "labs": [{"id": lab_id, "title": known[lab_id].title if lab_id in known else None,
                  "max_score": known[lab_id].max_score if lab_id in known else
                  max((r.max_score for r in rows if r.lab_id == lab_id), default=0)} for lab_id in columns],
        "students": [{"student": name, "labs": cells,
                      "total": sum(c["best_score"] for c in cells.values())}
                     for name, cells in sorted(students.items())],
        "rows": [r.to_json() for r in rows],
        "problems": [p.to_json() for p in problems],
    }


# -- routes --------------------------------------------------------------------------------------------


@bp.get("/instructor")
def class_page():
    _token()
    if not authorised():
        return render_template("instructor_login.html", failed=False), 401
    return render_template("instructor_class.html", data=class_data(), json_url=url_for("instructor.class_json"))


@bp.get("/instructor.json")
def class_json():
    _token()
    require()
    return class_data(_lab_filter())


@bp.post("/instructor/login")
def login():
    token = _token()
    csrf.require()
    try:
        _before_compare()
    except RateLimited as exc:
        return render_template("instructor_login.html", failed=True, limited=exc), 429
    if not token_matches(request.form.get("token"), token):
        try:
            _refuse("that is not the instructor token")
        except Unauthorized:
            return render_template("instructor_login.html", failed=True), 401
        except RateLimited as exc:
            return render_template("instructor_login.html", failed=True, limited=exc), 429
    response = redirect(url_for("instructor.class_page"), code=303)
    response.set_cookie(COOKIE, _signer(token).dumps({"k": _fingerprint(token)}), max_age=SESSION_SECONDS,
                        path=COOKIE_PATH, httponly=True, samesite="Strict", secure=request.is_secure)
    return response


@bp.post("/instructor/logout")
def logout():
    _token()
    csrf.require()
    response = redirect(url_for("instructor.class_page"), code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Strict", secure=request.is_secure)
    return response


@bp.get("/instructor/export.csv")
def export_csv():
    _token()
    require()
    lab_ids = _lab_filter()
    if lab_ids:
        known = ({lab.id for lab in shelf().all()[0]}
                 | {r.lab_id for r in open_store(settings().database_url).class_table()})
        missing = [lab_id for lab_id in lab_ids if lab_id not in known]
        if missing:
            raise NotFound(f"no lab {missing[0]!r}", {"lab": missing[0]})
    wide = request.args.get("wide") in ("1", "true", "yes")
    text = open_store(settings().database_url).export_csv(lab_ids, wide=wide)
    name = "journey-class" + ("-" + "-".join(lab_ids) if lab_ids and len(lab_ids) == 1 else "") + (
        "-wide" if wide else "") + ".csv"
    return Response(text.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
