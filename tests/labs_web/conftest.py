"""Fixtures for the lab pages, the lab API and the instructor pages: apps over the bundled content
(sample labs), each test with its own SQLite submissions store, sharing one build cache.
"""

from __future__ import annotations

from tests.support.errors import assert_error  # noqa: F401  (re-exported to the tests here)

import tomllib
from pathlib import Path

import pytest

from journey_app import paths
from journey_app.web import create_app

TOKEN = "class-of-2009-token"
HEAD = "arch/x86/lguest/i386_head.S"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "labs" / "submissions"
FIX = "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending"
WRONG = "\ttestl $0x100, lguest_data+LGUEST_DATA_irq_pending"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("labs-web-cache")


@pytest.fixture
def make_app(cache_dir, tmp_path):
    """make_app(**settings) -> an app with those Settings overrides and this test's own store."""
    def make(**overrides):
        settings = {"cache_dir": cache_dir, "database_url": f"sqlite:///{tmp_path / 'store.sqlite3'}", **overrides}
        app = create_app(settings)
        app.testing = True
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app(instructor_token=TOKEN)


@pytest.fixture
def client(app):
    return app.test_client()


def submission(lab_id: str, name: str) -> dict:
    """A sample submission (tests/labs/submissions) as the API's request: edits as {"<line>": text}."""
    data = tomllib.loads((SUBMISSIONS / lab_id / f"{name}.toml").read_text())
    if "edits" in data:
        data["edits"] = {str(e["line"]): e["text"] for e in data["edits"]}
    return data


def hidden_checks(lab_id: str) -> list[dict]:
    lab = tomllib.loads((paths.bundled_content_root() / "labs" / f"{lab_id}.toml").read_text())
    return [c for c in lab["checks"] if c.get("hidden")]


LABS = ("irq-enable-fix", "noirq-window", "pending-restore-fl", "boot-hypercall", "ring-overflow", "timer-blocked")


