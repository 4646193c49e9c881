"""One set of versions: constraints.txt pins every dependency pyproject.toml names (runtime and extras), and
the environment the tests run in was installed from it (scripts/dev.sh, which .ci/run calls, passes -c);
deploy/build-image.sh downloads the image's wheels with the same file. After changing a dependency in
pyproject.toml, `bash scripts/dev.sh lock` re-pins it."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = LINE.match(line)
        assert match, f"constraints.txt holds only name==version lines: {line!r}"
        out[_norm(match.group(1))] = match.group(2)
    return out


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return {_norm(re.split(r"[\[<>=~!; ]", req, maxsplit=1)[0]) for req in reqs}


def test_every_declared_dependency_is_pinned():
    missing = declared() - set(pins())
    assert not missing, f"not in constraints.txt (run: bash scripts/dev.sh lock): {sorted(missing)}"


def test_the_test_environment_has_the_pinned_versions():
    installed = {_norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wrong = {name: (version, installed[name]) for name, version in pins().items()
             if name in installed and installed[name] != version}
    assert not wrong, f"installed versions differ from constraints.txt (pinned, installed): {wrong}"


def test_every_install_path_uses_the_constraints():
    assert '-c "$CONSTRAINTS"' in (ROOT / "scripts" / "dev.sh").read_text()
    assert "scripts/dev.sh test" in (ROOT / ".ci" / "run").read_text()
    assert '-c "$ROOT/constraints.txt"' in (ROOT / "deploy" / "build-image.sh").read_text()
