"""What a lab is checked against: the content root's kernel versions, sources, scenarios and build symbols.

Lazily builds (prebuilt when bundled) and caches per version; never grades or runs anything.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from ..errors import JourneyError
from ..journey.library import Library
from ..runs.scenarios import ScenarioLibrary

_ENTRY = re.compile(r"^\s*ENTRY\(\s*(?P<name>[A-Za-z_.][\w.$]*)\s*\)")
_LABEL = re.compile(r"^\s*(?P<name>[A-Za-z_.][\w.$]*)\s*:(?!:)")


class LabContext:
    """One content root seen from the labs: `catalog` is optional and only needed for symbols."""

    def __init__(self, content_root: Path | str, catalog=None):
        self.content_root = Path(content_root)
        self.library = Library(self.content_root)
        self.scenario_library = ScenarioLibrary(self.content_root)
        self.catalog = catalog
        self._symbols: dict[str, dict[str, int] | None] = {}
        self._lock = threading.Lock()

    def versions(self) -> list[str]:
        return self.library.versions()

    def default_version(self) -> str | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def scenarios(self, version: str) -> list[str]:
        """Scenario ids of a version: the stems of scenarios/<version>/*.toml."""
        return self.scenario_library.ids(version)

    def scenario_problem(self, version: str, scenario_id: str) -> str | None:
        """Why the scenario cannot be used (missing or malformed), or None."""
        try:
            self.scenario_library.get(version, scenario_id)
        except JourneyError as exc:
            return exc.message
        return None

    def source_lines(self, version: str, file: str) -> list[str] | None:
        try:
            return self.library.source(version, file).split("\n")
        except JourneyError:
            return None

    def symbols(self, version: str) -> dict[str, int] | None:
        """name → address from the version's build, or None when no build can be had (no toolchain)."""
        with self._lock:
            if version in self._symbols:
                return self._symbols[version]
        found = None
        if self.catalog is not None:
            try:
                build = self.catalog.build(version)
                found = {name: sym.address for name, sym in build.symbols.items()}
            except JourneyError:
                found = None
        with self._lock:
            self._symbols[version] = found
        return found


def routine_lines(lines: list[str], label: str) -> list[int] | None:
    """The 1-based body lines of a routine: after its ENTRY(label) or `label:` line, up to the next label.

    Trailing blank lines are left out; None when the label is not defined in the text.
    """
    start = None
    for number, text in enumerate(lines, 1):
        match = _ENTRY.match(text) or _LABEL.match(text)
        if match and match.group("name") == label:
            start = number
            break
    if start is None:
        return None
    body = []
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        if _ENTRY.match(text) or _LABEL.match(text) or text.strip() == "/*:*/":
            break
        body.append(number)
    while body and not lines[body[-1] - 1].strip():
        body.pop()
    return body
