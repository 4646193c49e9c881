"""Where the bundled content/ and static/ folders are, in a checkout and in an installed wheel.

In a checkout they are top-level folders beside the package; a wheel maps them into
the package as `journey_app/_content` and `journey_app/_static` (the mapping is in setup.py).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def bundled_content_root() -> Path:
    return _first_existing(_PACKAGE / "_content", _PACKAGE.parent / "content")


def static_root() -> Path:
    return _first_existing(_PACKAGE / "_static", _PACKAGE.parent / "static")


def prebuilt_dir() -> Path:
    return _PACKAGE / "toolchain" / "prebuilt"
