"""Fixtures for the reliability tests: apps over scratch content roots, real gunicorn servers (the
production config) on free loopback ports, and the `load` marker (registered here as well as in
pyproject.toml, so `-m "not load"` works either way)."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "load: drives a real gunicorn server with wrk for up to a minute")
