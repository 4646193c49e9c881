"""Reliability tests: schemathesis over the API, a minute of wrk load, a worker killed mid-load, broken
content. The `load` marker is registered here too, so `-m "not load"` works without pyproject changes."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line("markers", "load: drives a real gunicorn server with wrk for up to a minute")
