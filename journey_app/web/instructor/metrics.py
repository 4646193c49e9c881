"""GET /metrics: this worker's cache counters (hits, misses, evictions, bytes) and RSS in the Prometheus text
format, for instructors only (the instructor token as a Bearer header or the login cookie).

Owns the route; the numbers are journey_app.caches'. Each gunicorn worker answers for itself.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response

from ... import caches
from . import pages

bp = Blueprint("metrics", __name__)
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/metrics")
def metrics() -> Response:
    pages.require()
    return Response(caches.prometheus_text(), mimetype=None, content_type=PROMETHEUS_TEXT,
                    headers={"Cache-Control": "no-store"})
