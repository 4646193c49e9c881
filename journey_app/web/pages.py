"""HTML pages (placeholder until the pages blueprint is written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)
