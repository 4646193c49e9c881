"""Security headers on every response: CSP `default-src 'self'` (no inline script), no sniffing,
no framing except the read-only chapter view with ?embed=1, no referrer leakage, redirects to this site
as relative Locations; CSRF on forms (csrf.py).

EMBEDDABLE lists the only endpoints a course page may frame: chapter pages, which change no state.
Lab pages (a grade form), instructor pages and everything else keep `frame-ancestors 'self'`.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, request

from . import csrf

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")
EMBEDDABLE = frozenset({"pages.chapter", "pages.version_chapter"})


def embedded() -> bool:
    """?embed=1 on a read-only chapter view (and on nothing else, whatever the query says)."""
    return request.args.get("embed") == "1" and request.endpoint in EMBEDDABLE and request.method == "GET"


def relative_location(location: str | None) -> str | None:
    """A Location on this site as path?query. Werkzeug's routing redirects (doubled slashes merged, the
    trailing slash of /v/<version>/) are absolute URLs made from the client's Host header; a 308 is
    cacheable, so a forged Host would be kept in a shared cache's copy. The app's own redirects are
    relative already; an absolute one to another host is left alone."""
    if not location:
        return location
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return location
    # One leading slash: "//host/x" would be a scheme-relative URL naming another host.
    return urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))


def register(app: Flask) -> None:
    csrf.register(app)

    @app.context_processor
    def _embed_flag():
        return {"embed_view": embedded()}

    @app.after_request
    def headers(response):
        embed = embedded() and response.status_code == 200
        # The read-only embed view is meant for course pages in an iframe; everything else is not.
        response.headers["Content-Security-Policy"] = CSP.format(ancestors="*" if embed else "'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not embed:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if "Location" in response.headers:
            response.headers["Location"] = relative_location(response.headers["Location"])
        return response
