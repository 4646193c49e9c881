"""CSRF protection for every HTML form that changes state (grade-and-save, instructor login and logout).

Double-submit, stateless across workers and replicas: the page sets a random `journey_csrf` cookie
(SameSite=Strict, HttpOnly) and puts the same value in the form; a POST whose form field does not
match the cookie, or whose Origin / Sec-Fetch-Site says another site sent it, gets 403 `csrf`. Another
site can neither read nor set the cookie. JSON endpoints need no token: they require
Content-Type: application/json, which a cross-site form cannot send without a CORS preflight we never grant.
Owns the cookie, the template function `csrf_token()` and `require()`; nothing else.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request

from ...errors import BadInput, JourneyError

COOKIE = "journey_csrf"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
FIELD = "csrf"


class CsrfRefused(JourneyError):
    code = "csrf"
    status = 403


def token() -> str:
    """This client's token (the cookie's, or a new one that the response will set)."""
    if "csrf_token" not in g:
        current = request.cookies.get(COOKIE, "")
        g.csrf_token = current if len(current) == 43 and current.isascii() else secrets.token_urlsafe(32)
    return g.csrf_token


def require() -> None:
    """Refuse a state-changing form POST that did not come from one of our own pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise CsrfRefused("this form was sent from another site", {"sec_fetch_site": site})
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise CsrfRefused("this form was sent from another site", {"origin": origin[:200]})
    if not request.form and request.content_length and request.mimetype in FORM_TYPES:
        # werkzeug drops a whole form body that is not UTF-8: say that, not "token missing" (a body of another
        # type, JSON or text, is no form at all: it goes on to the token check below).
        raise BadInput("the form could not be read: its text must be UTF-8; send it again from the page",
                       {"content_type": request.mimetype[:100]})
    cookie, field = request.cookies.get(COOKIE, ""), request.form.get(FIELD, "")
    if not cookie or not field or not hmac.compare_digest(cookie.encode(), field.encode()):
        raise CsrfRefused("the form's security token is missing or stale: reload the page and send it again",
                          {"field": FIELD})


def register(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = token

    @app.after_request
    def _set_cookie(response):
        if "csrf_token" in g and request.cookies.get(COOKIE) != g.csrf_token:
            response.set_cookie(COOKIE, g.csrf_token, httponly=True, samesite="Strict", secure=request.is_secure,
                                path="/")
        return response
