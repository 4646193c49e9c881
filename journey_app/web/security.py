"""Security headers on every response: CSP `default-src 'self'` (no inline script), no sniffing,
no framing except our own embed view, no referrer leakage.
"""

from __future__ import annotations

from flask import Flask, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")


def register(app: Flask) -> None:
    @app.after_request
    def headers(response):
        embed = request.args.get("embed") == "1"
        # The read-only embed view is meant for course pages in an iframe; everything else is not.
        response.headers["Content-Security-Policy"] = CSP.format(ancestors="*" if embed else "'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not embed:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response
