"""Fixtures every folder shares, defined once: `make_app(**settings)` (an app over the bundled content that
shares one build cache and has its own SQLite submissions store), `app` (one per test, with the test
instructor token) and `client`. A folder's conftest adds what only it needs.

Also what `-m "not slow"` leaves out (the inner loop, README): whole folders that start browsers, servers,
containers or other processes, tests with those markers, and the few tests listed in SLOW_TESTS (measured
over 2 s each with --durations, or over 1 s of CPU). The full suite, slow ones included, is what CI runs.
Every test makes a fresh app; what keeps that cheap is shared by content: the parsed chapter files
(journey.library) and the shipped build (toolchain.store) by the product, compiled templates here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flask import Flask
from jinja2 import BytecodeCache

from journey_app.web import create_app
from tests.support import INSTRUCTOR_TOKEN


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept for the whole test session, so each test's fresh app (a new Jinja
    environment) loads them instead of compiling them again (~0.05-0.15 s of CPU an app). Jinja keys
    each entry by the template's name and checks the source's checksum, so an edited template recompiles."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecode()
_create_jinja_environment = Flask.create_jinja_environment


def _with_shared_bytecode(self):
    environment = _create_jinja_environment(self)
    environment.bytecode_cache = _BYTECODE
    return environment


Flask.create_jinja_environment = _with_shared_bytecode  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture(scope="session")
def make_app(cache_dir, tmp_path_factory):
    """make_app(**settings) -> a Flask app with those Settings overrides (datasette's make_app_client)."""
    def make(**overrides):
        store = tmp_path_factory.mktemp("store") / "store.sqlite3"
        app = create_app({"cache_dir": cache_dir, "database_url": f"sqlite:///{store}", **overrides})
        app.testing = True
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app(instructor_token=INSTRUCTOR_TOKEN)


@pytest.fixture
def client(app):
    return app.test_client()


TESTS = Path(__file__).resolve().parent
SLOW_FOLDERS = {"browser", "reliability", "scale", "container", "packaging"}
SLOW_MARKERS = ("browser", "postgres", "container", "load")
SLOW_TESTS = (
    "host/differential/",
    "labs/test_store.py::test_parallel_workers", "labs/test_store.py::test_concurrent_writers",
    "labs/test_store.py::test_committed_submission_survives", "labs/test_store.py::test_uncommitted_submission",
    "labs/test_grading.py::test_same_grade_from_fresh_processes", "labs/test_grading.py::test_cli_grade",
    "web/test_contents.py::test_a_second_version_folder", "web/test_contents.py::test_broken_marker",
    "web/test_chapter.py::test_each_chapter_page_shows", "web/test_chapter.py::test_chapter_memory_summary",
    "web/test_chapter.py::test_chapter_page_weight", "web/test_markup.py::test_page_has_one_h1",
    "api/test_fuzz.py::", "web_security/test_headers.py::test_every_kind_of_response",
    "labs_web/test_labs_api.py::test_grading_is_rate_limited", "labs_web/test_labs_api.py::test_new_builds_are_rate",
    "labs_web/test_labs_pages.py::test_form_post_is_rate_limited", "labs_web/test_labs_pages.py::test_page_has_no_inline",
    # a real gunicorn server through the hostile corpus, three passes (~36 s of CPU in that server)
    "security/test_corpus.py::", "security/test_cache_bounds.py::",
    # about a second of CPU or more each (measured per test: process time plus children's)
    "web/test_reading.py::test_every_chapter_links_to_the_next", "labs_web/test_labs_pages.py::test_hidden_checks_never",
    "security/test_splice.py::test_reused_object_files", "runs/test_behaviours.py::test_with_the_later_cmpl_fix",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath)).resolve()
        rel = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else path.name
        node = rel + "::" + item.name
        if (rel.split("/")[0] in SLOW_FOLDERS or any(item.get_closest_marker(m) for m in SLOW_MARKERS)
                or any(node.startswith(prefix) for prefix in SLOW_TESTS)):
            item.add_marker(pytest.mark.slow)
