"""The app and the CLI are wired by explicit imports: every command module and every blueprint module is
registered, so a renamed file fails at import time instead of silently removing a route or a command."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

from journey_app import cli, commands
from journey_app.web import create_app

WEB = Path(create_app.__code__.co_filename).parent


def test_every_command_module_is_a_subcommand():
    modules = {m.name for m in pkgutil.iter_modules(commands.__path__)}
    assert {m.__name__.rsplit(".", 1)[1] for m in cli.COMMAND_MODULES} == modules
    parser = cli.make_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    assert set(choices) >= {"serve", "chapters", "build", "scenarios", "replay", "lab"}


def test_every_blueprint_module_is_registered(tmp_path):
    app = create_app({"cache_dir": tmp_path})
    registered = {bp.import_name for bp in app.blueprints.values()}
    defining = {".".join(("journey_app", "web", *p.relative_to(WEB).with_suffix("").parts))
                for p in WEB.rglob("*.py") if re.search(r"^bp = Blueprint\(", p.read_text(), re.M)}
    assert defining and defining <= registered
