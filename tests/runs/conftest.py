"""Fixtures for the runs tests: the bundled content through a real Catalog (prebuilt or freshly built once),
and `run(scenario, actions)`, a replay with its own empty checkpoint cache unless one is given."""

from __future__ import annotations

import pytest

from journey_app.catalog import Catalog
from journey_app.runs import CheckpointCache, Run, replay
from journey_app.settings import Settings

VERSION = "2.6.31"


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    # Golden traces compare bytes, so a loaded machine must not end a long C tour on the wall-clock budget
    # (JOURNEY_RUN_SECONDS, tested on its own); the instruction budget still applies.
    return Settings(cache_dir=tmp_path_factory.mktemp("runs-cache"), run_seconds=30.0)


@pytest.fixture(scope="session")
def catalog(settings) -> Catalog:
    return Catalog(settings)


@pytest.fixture(scope="session")
def build(catalog):
    return catalog.build(VERSION)


@pytest.fixture
def run(catalog, settings, build):
    def go(scenario: str, actions: str = "", *, cache: CheckpointCache | None = None, settings_=None, **kw):
        return replay(Run(VERSION, scenario, actions), catalog=catalog, settings=settings_ or settings, build=build,
                      cache=cache if cache is not None else CheckpointCache(), **kw)

    return go


def kinds(events) -> list[str]:
    return [e.kind for e in events]


def of_kind(result, kind: str) -> list[dict]:
    return [e.to_json() for e in result.events if e.kind == kind]


def after_action(result, index: int) -> list[dict]:
    """The events of action `index` (after its `action` event, up to the next one)."""
    out, inside = [], False
    for event in result.events:
        data = event.to_json()
        if data["kind"] == "action":
            inside = data["action_index"] == index
            continue
        if inside:
            out.append(data)
    return out


def field(state, name: str) -> int:
    return next(f["value"] for f in state.to_json()["lguest_data"]["fields"] if f["name"] == name)
