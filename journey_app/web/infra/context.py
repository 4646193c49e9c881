"""Request-time access to the per-process objects the factory attached to the app.

Keeps `current_app.extensions[...]` lookups in one place; holds no state of its own.
"""

from __future__ import annotations

from flask import current_app, g

from ...catalog import Catalog
from ...settings import Settings


def catalog() -> Catalog:
    return current_app.extensions["journey.catalog"]


def settings() -> Settings:
    return current_app.extensions["journey.settings"]


def content_index(version: str):
    """The version's cross-references and search index (built once per content hash), or None when
    it cannot be made (Universal Ctags missing, an unwritable cache): pages then show no links."""
    from ...errors import JourneyError

    store = current_app.extensions["journey.index"]
    try:
        return store.get(catalog().library, version)
    except (JourneyError, OSError, ValueError) as exc:
        current_app.logger.warning("no content index for %s: %s", version, exc)
        return None


def default_version() -> str:
    """The newest version (the one with the short URLs), asked once per request: a page's links and its
    cache key (pages/cache.py) must agree on it."""
    if "journey_default_version" not in g:
        g.journey_default_version = catalog().default_version()
    return g.journey_default_version
