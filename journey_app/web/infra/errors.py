"""One error shape for the whole site: JSON `{"error": {code, message, detail}}` for the API and
`.json` twins, a readable HTML page otherwise. Unexpected exceptions never leak as bare 500s.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ...errors import JourneyError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(code: str, message: str, detail, status: int, headers: dict | None = None):
    body = {"error": {"code": code, "message": message, "detail": detail}}
    if wants_json():
        return body, status, headers or {}
    try:
        page = render_template("error.html", error=body["error"], status=status,
                               chapters=_chapter_list() if status == 404 else [])
    except Exception:  # a broken template must not turn one error into an unhandled one
        log.exception("error page could not be rendered")
        page = (f"<!doctype html><title>{status}</title><h1>{status}: {escape(message)}</h1>"
                f"<p>Error code <code>{escape(code)}</code>. <a href=\"/\">Contents</a></p>")
    return page, status, headers or {}


def _chapter_list() -> list[dict]:
    """The chapters of the default version, for a 404 page that helps the reader on (empty if they fail too)."""
    from .context import catalog
    from ..pages.chapters import chapter_url

    try:
        version = catalog().default_version()
        return [{"id": c.id, "title": c.title, "url": chapter_url(version, c.slug)}
                for c in catalog().library.chapters(version)]
    except JourneyError:
        return []


def _kept_headers(exc: HTTPException) -> dict:
    """Headers an HTTP error must keep (Allow on 405, Retry-After, WWW-Authenticate); not its body's type."""
    return {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")}


def register(app: Flask) -> None:
    @app.errorhandler(JourneyError)
    def journey_error(exc: JourneyError):
        headers = {}
        if exc.detail and "retry_after_seconds" in exc.detail:
            headers["Retry-After"] = str(exc.detail["retry_after_seconds"])
        return error_response(exc.code, exc.message, exc.detail, exc.status, headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 400
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large",
                400: "bad_input", 415: "unsupported_media_type", 429: "rate_limited"}.get(status, "http_error")
        return error_response(code, exc.description or exc.name, None, status, _kept_headers(exc))

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        # The database refused (disk full, locked, server gone): the request could not be served now, and
        # a transaction that failed left nothing behind. Not a bug of ours, so not a 500.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc.orig).__name__)
        return error_response("database_unavailable", "the database is unavailable (disk full or gone); "
                              "nothing was saved, try again later", None, 503, {"Retry-After": "30"})

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # A bug of ours: log it in full, answer in the one shape. 500 is reserved for this case.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("internal", "the server hit an unexpected error", None, 500)
