"""Helpers for the lab pages, the lab API and the instructor pages. The apps are tests/conftest.py's: over
the bundled content (sample labs), each test with its own SQLite submissions store, sharing one build cache.
"""

from __future__ import annotations

from tests.support.errors import assert_error  # noqa: F401  (re-exported to the tests here)

import tomllib
from pathlib import Path

from journey_app import paths
from tests.support import INSTRUCTOR_TOKEN as TOKEN  # noqa: F401  (the tests here import it from this module)

HEAD = "arch/x86/lguest/i386_head.S"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "labs" / "submissions"
FIX = "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending"
WRONG = "\ttestl $0x100, lguest_data+LGUEST_DATA_irq_pending"


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


