"""The `journey` command: one subcommand per module in journey_app.commands, each imported by name.

Each command module has `register(subparsers)` and sets `func(args, settings) -> int`;
this file only wires them up and turns JourneyError into a message and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from .commands import build, chapters, extract, lab, replay, scenarios, serve, whatif
from .errors import JourneyError
from .settings import Settings

# Imported by name, so a missing or renamed command module fails at start instead of vanishing from the CLI.
COMMAND_MODULES = (serve, chapters, extract, build, scenarios, replay, whatif, lab)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journey", description="The Lguest Journey explorer.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return int(args.func(args, Settings.from_env()) or 0)
    except JourneyError as exc:
        if getattr(args, "json", False):
            print(json.dumps(exc.to_json(), indent=2))
        else:
            print(f"journey: {exc.message}", file=sys.stderr)
            if exc.detail:
                print(json.dumps(exc.detail, indent=2, default=str), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
