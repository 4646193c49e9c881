"""`journey scenarios`: list the run scenarios of a kernel version (id, chapters, title, suggested actions)."""

from __future__ import annotations

import json

from ..runs.replay import default_catalog
from ..runs.scenarios import scenario_library


def register(sub) -> None:
    parser = sub.add_parser("scenarios", help="list the scenarios the live machine can run")
    parser.add_argument("--version", help="kernel version (default: newest under the content root)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args, settings) -> int:
    version = args.version or default_catalog(settings).default_version()
    scenarios = scenario_library(settings.content_root).all(version)
    if args.json:
        print(json.dumps({"version": version, "scenarios": [s.to_json() for s in scenarios]}, indent=1))
        return 0
    width = max((len(s.id) for s in scenarios), default=0)
    for s in scenarios:
        print(f"{s.id:{width}}  {','.join(s.chapters):13}  {s.title}")
        if s.actions:
            print(f"{'':{width}}  {'':13}  try: {s.actions}")
    if not scenarios:
        print(f"no scenarios for kernel {version}")
    return 0
