"""ARCHITECTURE.md stays true to the code: every module, package and file it names in backticks exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "journey_app"
TOP = ("journey_app/", "static/", "tests/", "docs/", "content/", "bench/", "deploy/", "scripts/", ".ci/")


def named() -> list[str]:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    return [t for t in re.findall(r"`([^`\s]+)`", text) if not re.search(r"[<>*|(){}=,\[\]]", t)]


def exists(token: str) -> bool:
    if token.startswith("journey_app."):
        return importlib.util.find_spec(token) is not None
    if token.startswith(TOP):
        return (ROOT / token).exists()
    return (PACKAGE / token).exists()          # `runs/status.py`, `web/gunicorn_conf.py` ...


def test_every_module_the_architecture_names_exists():
    tokens = [t for t in named() if t.startswith(("journey_app", *TOP)) or re.fullmatch(r"[a-z_]+/[\w/]+\.py", t)]
    assert len(tokens) > 20
    missing = [t for t in tokens if not exists(t)]
    assert not missing, f"ARCHITECTURE.md names what is not there: {missing}"
