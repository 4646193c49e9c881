"""Container tests are opt-in: they build the image and run it (root, buildah/podman, ~10-60 s)."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "container: builds and runs the container image (opt-in: JOURNEY_CONTAINER_TEST=1)")
