"""Rules of the code that a reader relies on, checked over every module of journey_app:
dataclasses with more than four fields are built by keyword, and the core packages never import Flask."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import sys

import journey_app

CORE = ("journey", "toolchain", "guest", "host", "runs", "labs")
# Positional construction still in use; convert one when you next touch it (and drop it here). New
# dataclasses with more than four fields are keyword-only: Decision(...) once took 13 positional arguments.
POSITIONAL = {
    "journey_app.catalog.Located", "journey_app.guest.faults.FaultReport", "journey_app.guest.machine.Write",
    "journey_app.host.decision.Step", "journey_app.host.events.HypercallEvent", "journey_app.host.events.MemWrite",
    "journey_app.host.events.RewriteEvent", "journey_app.host.events.TrapEvent", "journey_app.host.frames.Frame",
    "journey_app.host.interrupts.PendingIrq", "journey_app.host.lguest_data.Field", "journey_app.host.state.Host",
    "journey_app.journey.chapters.ParsedFile", "journey_app.journey.library._VersionIndex",
    "journey_app.journey.markers.Chunk", "journey_app.labs.model.Editable", "journey_app.labs.store.ClassRow",
    "journey_app.runs.replay.Replay", "journey_app.runs.runner.Checkpoint", "journey_app.toolchain.build.Build",
    "journey_app.toolchain.build.LineCode", "journey_app.toolchain.disasm.Insn", "journey_app.toolchain.elfread.Section",
    "journey_app.toolchain.elfread.Symbol", "journey_app.toolchain.linemap.Span",
    "journey_app.toolchain.sandbox_rules.SandboxPolicy", "journey_app.web.explorer.requests.RunRequest",
    "journey_app.web.pages.listing.Listing", "journey_app.web.pages.listing.SourceLine",
    # written while this rule was being introduced:
    "journey_app.guest.cpu_entry.CpuFrame", "journey_app.host.citations.Citation", "journey_app.host.emulate.Emulated",
    "journey_app.host.idt.CpuGate", "journey_app.index.ctags.Definition", "journey_app.index.search.SearchDoc",
    "journey_app.index.search.SearchHit", "journey_app.index.store.ContentIndex", "journey_app.runs.debug.Breakpoint",
    "journey_app.runs.debug.Watch", "journey_app.runs.whatif.WhatIf", "journey_app.toolchain.jail.Limits",
    "journey_app.toolchain.sandbox_rules.LineBudget", "journey_app.host.pagetables.PageTables",
    "journey_app.toolchain.cunits.Unit", "journey_app.toolchain.dwarf_vars.Variable",
    "journey_app.toolchain.dwarf_vars._Unit", "journey_app.web.pages.c_asm.AsmLine",
}


def _modules():
    for info in pkgutil.walk_packages(journey_app.__path__, "journey_app."):
        yield importlib.import_module(info.name)


def test_dataclasses_with_more_than_four_fields_are_keyword_only():
    positional = set()
    for module in _modules():
        for obj in vars(module).values():
            if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__:
                fields = [f for f in dataclasses.fields(obj) if f.init]
                if len(fields) > 4 and not all(f.kw_only for f in fields):
                    positional.add(f"{obj.__module__}.{obj.__qualname__}")
    assert positional <= POSITIONAL, f"make these kw_only: {sorted(positional - POSITIONAL)}"


def test_the_core_never_imports_flask():
    list(_modules())
    for name, module in sys.modules.items():
        if name.startswith("journey_app.") and name.split(".")[1] in CORE:
            source = inspect.getsource(module)
            assert "import flask" not in source and "from flask" not in source, name


def _runtime_imports(path, package: str) -> set[str]:
    """journey_app modules a module imports when it runs (not under `if TYPE_CHECKING:`, not in functions)."""
    import ast

    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module:                      # from .mod import x: the module (and x, if a submodule)
                found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("journey_app"):
            found.add(node.module or "")
    return found


def test_runtime_imports_of_the_core_have_no_cycle():
    """Type-only back references (`if TYPE_CHECKING: from .runner import Runner`) are allowed; an import
    that runs must not come back round (runs/exits.py, runner.py and verbs.py once did)."""
    from pathlib import Path

    root = Path(journey_app.__file__).parent
    modules = {}
    for path in root.rglob("*.py"):
        name = "journey_app." + ".".join(path.relative_to(root).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        modules[name] = path, package
    graph = {name: {t for t in _runtime_imports(path, package) if t in modules and t != name}
             for name, (path, package) in modules.items() if name.split(".")[1:2] and name.split(".")[1] in CORE}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt.endswith("__init__") or nxt not in graph:
                continue
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
