"""HTML form posts as a browser on our own pages sends them: with the CSRF cookie and the same token in
the form (journey_app/web/infra/csrf.py, double submit)."""

from __future__ import annotations

from journey_app.web.infra.csrf import COOKIE, FIELD

TOKEN = "test-csrf-token-0123456789abcdefghijklmnopq"   # 43 characters, the shape csrf.token() keeps


def form(client, data: dict) -> dict:
    """`data` with the CSRF field; sets the matching cookie on the Flask test client."""
    client.set_cookie(COOKIE, TOKEN)
    return {**data, FIELD: TOKEN}
