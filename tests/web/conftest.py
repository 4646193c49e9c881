"""Fixtures for the HTML pages and their JSON twins: a factory for apps over a scratch copy of the bundled
content (broken markers, extra kernel versions). The app over the bundled content is tests/conftest.py's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from journey_app import paths
from journey_app.web import create_app

HEAD = "arch/x86/lguest/i386_head.S"
VERSION = "2.6.31"


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the bundled content root; tests edit it before building their app."""
    root = tmp_path / "content"
    shutil.copytree(paths.bundled_content_root(), root)
    return root


@pytest.fixture
def make_client(tmp_path):
    """make_client(content_root) -> a test client of an app over that content root."""

    def make(content_root: Path):
        app = create_app({"content_root": content_root, "cache_dir": tmp_path / "cache"})
        return app.test_client()

    return make
