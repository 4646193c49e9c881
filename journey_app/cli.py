"""The `journey` command: one subcommand per module in journey_app.commands.

Each command module has `register(subparsers)` and sets `func(args, settings) -> int`;
this file only wires them up and turns JourneyError into a message and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from .errors import JourneyError
from .settings import Settings

COMMAND_MODULES = ("serve", "chapters", "extract", "build", "scenarios", "replay", "lab")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journey", description="The Lguest Journey explorer.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"journey_app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"journey_app.commands.{name}":
                raise
            continue  # a command whose package is not there yet
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
