"""Request-time access to the per-process objects the factory attached to the app.

Keeps `current_app.extensions[...]` lookups in one place; holds no state of its own.
"""

from __future__ import annotations

from flask import current_app

from ..catalog import Catalog
from ..settings import Settings


def catalog() -> Catalog:
    return current_app.extensions["journey.catalog"]


def settings() -> Settings:
    return current_app.extensions["journey.settings"]
