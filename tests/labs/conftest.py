"""Fixtures for lab tests: the bundled content with a private build cache, and a scratch content root.

Everything is real: the GNU toolchain builds edited sources, the runs layer replays, SQLite stores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from journey_app import paths
from journey_app.catalog import Catalog
from journey_app.labs import LabContext
from journey_app.settings import Settings

KERNEL = "2.6.31"
HEAD = "arch/x86/lguest/i386_head.S"
HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"


@pytest.fixture(scope="session")
def content_root() -> Path:
    return paths.bundled_content_root()


@pytest.fixture(scope="session")
def settings(content_root, tmp_path_factory) -> Settings:
    cache = tmp_path_factory.mktemp("journey-cache")
    # run_seconds: grades compare outcomes; a loaded machine must not end a long C lab on the wall clock.
    return Settings(content_root=content_root, cache_dir=cache, run_seconds=30.0,
                    database_url=f"sqlite:///{cache / 'labs.sqlite3'}")


@pytest.fixture(scope="session")
def catalog(settings) -> Catalog:
    return Catalog(settings)


@pytest.fixture(scope="session")
def lab_context(content_root, catalog) -> LabContext:
    return LabContext(content_root, catalog)


@pytest.fixture
def scratch_root(tmp_path, content_root) -> Path:
    """A content root of our own: the bundled kernels and scenarios (linked) and an empty labs/ folder."""
    root = tmp_path / "content"
    root.mkdir()
    (root / "kernels").symlink_to(content_root / "kernels", target_is_directory=True)
    for version_dir in (content_root / "kernels").iterdir():
        mine = root / "scenarios" / version_dir.name
        mine.mkdir(parents=True)
        for scenario in sorted((content_root / "scenarios" / version_dir.name).glob("*.toml")):
            (mine / scenario.name).symlink_to(scenario)
    (root / "labs").mkdir()
    return root


@pytest.fixture
def scratch_context(scratch_root, catalog) -> LabContext:
    return LabContext(scratch_root, catalog)


def copy_lab(content_root: Path, lab_id: str, to_root: Path) -> Path:
    target = to_root / "labs" / f"{lab_id}.toml"
    shutil.copyfile(content_root / "labs" / f"{lab_id}.toml", target)
    return target
