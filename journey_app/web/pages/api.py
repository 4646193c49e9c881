"""JSON API under /api/: health and the read-only catalogue (versions, chapters, builds).

Live-machine routes live in explorer/api.py, lab routes in labs/api.py; all share the one error shape.
"""

from __future__ import annotations

from flask import Blueprint

from ... import __version__
from ..infra.context import catalog

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "version": __version__}


@bp.get("/api/versions")
def versions():
    return {"versions": catalog().versions()}
