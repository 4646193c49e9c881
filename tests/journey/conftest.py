"""Fixtures for the journey tests: the bundled 2.6.31 library and throw-away content roots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journey_app import paths
from journey_app.journey import Library

KERNEL = "2.6.31"
HEAD = "arch/x86/lguest/i386_head.S"


@pytest.fixture
def bundled() -> Library:
    return Library(paths.bundled_content_root())


@pytest.fixture
def head_text() -> str:
    return (paths.bundled_content_root() / "kernels" / KERNEL / HEAD).read_text()


@pytest.fixture
def make_root(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Builds a content root from {"kernels/<v>/<path>": text or bytes} and returns its path."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "content"
        (root / "kernels").mkdir(parents=True, exist_ok=True)
        for rel, body in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(body)
        return root

    return make
