"""Short chapter titles: content metadata kept beside the kernel text (`kernels/<version>/titles.toml`), never
in it. A chapter without a title keeps its first sentence. Owns reading and checking the file; must not
render anything.

    # titles.toml
    "G:033" = "Turning interrupts back on, and the hypercall that might follow"
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..errors import ContentError

FILE = "titles.toml"
CHAPTER_ID = re.compile(r"^[PGDLHSM]:[0-9]{3}$")
MAX_LENGTH = 90


def load_titles(version_dir: Path) -> tuple[dict[str, str], list[ContentError]]:
    """(chapter id → title, the problems found). A broken file costs its titles, never the site."""
    path = version_dir / FILE
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [ContentError(f"{FILE}: {exc}", {"file": FILE})]
    titles: dict[str, str] = {}
    problems: list[ContentError] = []
    for key, value in data.items():
        if not CHAPTER_ID.match(key):
            problems.append(ContentError(f"{FILE}: {key!r} is not a chapter id like \"G:033\"",
                                         {"file": FILE, "key": key}))
        elif not isinstance(value, str) or not value.strip() or len(value) > MAX_LENGTH:
            problems.append(ContentError(f"{FILE}: the title of {key} must be text of 1 to {MAX_LENGTH} characters",
                                         {"file": FILE, "key": key}))
        else:
            titles[key] = " ".join(value.split())
    return titles, problems

