"""`Scenario` and its loader: content/scenarios/<version>/<id>.toml, checked key by key into a frozen value.
Owns the scenario file format; errors name the file and field (ContentError). Must not run anything.
"""

from __future__ import annotations

import hashlib
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..caches import BoundedCache
from ..errors import ContentError, NotFound
from ..host.lguest_data import SCALAR_FIELDS

TOP_KEYS = ("id", "title", "chapters", "description", "entry", "physical", "stop_at", "actions",
            "registers", "stack", "lguest_data", "host")
HOST_KEYS = ("initialised", "irqs_pending", "halted", "rewritten", "kernel_stack")
# cs/ss put the Guest in user mode (0x73/0x7b): the machine changes ring as the Switcher's iret would.
REGISTER_KEYS = ("eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp", "eflags", "cs", "ss", "ds", "es")
LGUEST_FIELDS = tuple(f.name for f in SCALAR_FIELDS)
Value = int | str           # a number, or a word for Values.resolve ("journey_interrupted", "X86_EFLAGS_IF")


@dataclass(frozen=True)
class StackWord:
    value: Value
    label: str | None = None


@dataclass(frozen=True, kw_only=True)
class Scenario:
    id: str
    version: str
    title: str
    chapters: tuple[str, ...]
    description: str
    entry: Value
    physical: bool
    stop_at: tuple[str, ...]
    actions: str                                   # a suggested tour; the golden traces replay it
    registers: tuple[tuple[str, Value], ...]
    stack: tuple[StackWord, ...]                   # stack[0] ends up at ESP
    lguest_data: tuple[tuple[str, Value], ...]
    initialised: bool                              # LHCALL_LGUEST_INIT done and the IDT loaded
    irqs_pending: int                              # bitmap
    halted: bool
    rewritten: bool                                # every vmcall site already patched to int $0x1f; nop
    path: str
    digest: str                                    # sha256 of the file: part of every checkpoint key
    kernel_stack: Value | None = None              # LHCALL_SET_STACK(__KERNEL_DS|1, this, 2) done at boot

    def to_json(self) -> dict:
        return {
            "id": self.id, "version": self.version, "title": self.title, "chapters": list(self.chapters),
            "description": self.description, "entry": self.entry, "physical": self.physical,
            "stop_at": list(self.stop_at), "actions": self.actions,
            "registers": dict(self.registers), "stack": [{"value": w.value, "label": w.label} for w in self.stack],
            "lguest_data": dict(self.lguest_data),
            "host": {"initialised": self.initialised, "irqs_pending": self.irqs_pending, "halted": self.halted,
                     "rewritten": self.rewritten, "kernel_stack": self.kernel_stack},
        }

    def fail(self, field: str, message: str) -> ContentError:
        return scenario_error(self.path, field, message)


def scenario_error(path: str, field: str | None, message: str) -> ContentError:
    where = f"{path}: {field}" if field else path
    return ContentError(f"{where}: {message}", detail={"file": path, "field": field})


def _value(path: str, field: str, raw) -> Value:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise scenario_error(path, field, f"must be a number or a symbol name, not {raw!r}")
    if isinstance(raw, int) and not 0 <= raw <= 0xFFFFFFFF:
        raise scenario_error(path, field, f"{raw} does not fit in 32 bits")
    if isinstance(raw, str) and not raw.strip():
        raise scenario_error(path, field, "is empty")
    return raw


def _str(path: str, data: dict, key: str, default: str | None = None) -> str:
    raw = data.get(key, default)
    if not isinstance(raw, str) or (default is None and not raw.strip()):
        raise scenario_error(path, key, "must be a non-empty string" if default is None else "must be a string")
    return raw


def _table(path: str, data: dict, key: str, allowed: tuple[str, ...]) -> dict:
    raw = data.get(key, {})
    if not isinstance(raw, dict):
        raise scenario_error(path, key, "must be a table")
    for name in raw:
        if name not in allowed:
            raise scenario_error(path, f"{key}.{name}", f"unknown key; allowed: {', '.join(allowed)}")
    return raw


def _stack(path: str, raw) -> tuple[StackWord, ...]:
    if not isinstance(raw, list):
        raise scenario_error(path, "stack", "must be a list of words (stack[0] is at ESP)")
    words = []
    for index, item in enumerate(raw):
        field = f"stack[{index}]"
        if isinstance(item, dict):
            extra = set(item) - {"value", "label"}
            if extra or "value" not in item:
                raise scenario_error(path, field, "a stack word is {value = ..., label = \"...\"}")
            label = item.get("label")
            if label is not None and not isinstance(label, str):
                raise scenario_error(path, f"{field}.label", "must be a string")
            words.append(StackWord(_value(path, f"{field}.value", item["value"]), label))
        else:
            words.append(StackWord(_value(path, field, item)))
    return tuple(words)


def _irqs(path: str, raw) -> int:
    if isinstance(raw, list):
        bitmap = 0
        for index, irq in enumerate(raw):
            if isinstance(irq, bool) or not isinstance(irq, int) or not 0 <= irq < 32:
                raise scenario_error(path, f"host.irqs_pending[{index}]", "an irq number is 0..31")
            bitmap |= 1 << irq
        return bitmap
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 0xFFFFFFFF:
        raise scenario_error(path, "host.irqs_pending", "must be a list of irq numbers or a 32-bit bitmap")
    return raw


def parse_scenario(text: str, path: str, version: str, expected_id: str | None = None) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise scenario_error(path, None, f"not valid TOML: {exc}") from None
    for key in data:
        if key not in TOP_KEYS:
            raise scenario_error(path, key, f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    sid = _str(path, data, "id")
    if expected_id is not None and sid != expected_id:
        raise scenario_error(path, "id", f"{sid!r} must match the file name ({expected_id!r})")
    chapters = data.get("chapters", [])
    if not isinstance(chapters, list) or not all(isinstance(c, str) for c in chapters) or not chapters:
        raise scenario_error(path, "chapters", "must be a non-empty list of chapter ids such as \"G:033\"")
    if "entry" not in data:
        raise scenario_error(path, "entry", "is required (a label or an address)")
    physical = data.get("physical", False)
    if not isinstance(physical, bool):
        raise scenario_error(path, "physical", "must be true or false")
    stop_at = data.get("stop_at", [])
    if not isinstance(stop_at, list) or not all(isinstance(s, str) and s for s in stop_at):
        raise scenario_error(path, "stop_at", "must be a list of labels")
    registers = _table(path, data, "registers", REGISTER_KEYS)
    fields = _table(path, data, "lguest_data", LGUEST_FIELDS)
    host = _table(path, data, "host", HOST_KEYS)
    for key in ("initialised", "halted", "rewritten"):
        if not isinstance(host.get(key, False), bool):
            raise scenario_error(path, f"host.{key}", "must be true or false")
    return Scenario(
        id=sid, version=version, title=_str(path, data, "title"), chapters=tuple(chapters),
        description=_str(path, data, "description"), entry=_value(path, "entry", data["entry"]),
        physical=physical, stop_at=tuple(stop_at), actions=_str(path, data, "actions", ""),
        registers=tuple((k, _value(path, f"registers.{k}", v)) for k, v in registers.items()),
        stack=_stack(path, data.get("stack", [])),
        lguest_data=tuple((k, _value(path, f"lguest_data.{k}", v)) for k, v in fields.items()),
        initialised=host.get("initialised", True), irqs_pending=_irqs(path, host.get("irqs_pending", 0)),
        halted=host.get("halted", False), rewritten=host.get("rewritten", False),
        kernel_stack=_value(path, "host.kernel_stack", host["kernel_stack"]) if "kernel_stack" in host else None,
        path=path,
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )


@dataclass(frozen=True, kw_only=True)
class ScenarioListing:
    """A version's scenario files as listed at one moment: the good ones parsed, each broken one's error,
    and a fingerprint that changes whenever a file is added, removed or edited (what callers key on)."""
    version: str
    scenarios: tuple[Scenario, ...]
    errors: tuple[tuple[str, ContentError], ...]     # (scenario id, why it cannot be loaded)
    fingerprint: str


class ScenarioLibrary:
    """Scenarios under <content_root>/scenarios/<version>/, re-read when a file's mtime or size changes."""

    def __init__(self, content_root: Path | str, recheck: float = 1.0):
        self.content_root = Path(content_root)
        self.recheck = recheck        # seconds a loaded scenario is trusted before its file is stat'ed again
        self._cache: dict[Path, tuple[tuple[int, int], Scenario]] = {}
        self._fresh: dict[tuple[str, str], tuple[float, Scenario]] = {}
        self._listings: dict[str, tuple[float, ScenarioListing]] = {}
        self._lock = threading.Lock()

    def folder(self, version: str) -> Path:
        return self.content_root / "scenarios" / version

    def ids(self, version: str) -> list[str]:
        folder = self.folder(version)
        return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []

    def get(self, version: str, scenario_id: str) -> Scenario:
        fresh = self._fresh.get((version, scenario_id))
        if fresh is not None and time.monotonic() - fresh[0] < self.recheck:
            return fresh[1]
        path = self.folder(version) / f"{scenario_id}.toml"
        if "/" in scenario_id or "\\" in scenario_id or scenario_id.startswith(".") or not path.is_file():
            raise NotFound(f"no scenario {scenario_id!r} for kernel {version}",
                           {"scenario": scenario_id, "known": self.ids(version)})
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            self._fresh[(version, scenario_id)] = (time.monotonic(), cached[1])
            return cached[1]
        rel = str(path.relative_to(self.content_root)) if path.is_relative_to(self.content_root) else str(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:   # one bad file is that scenario's content error, never a 500
            raise ContentError(f"{rel} is not UTF-8 (byte {exc.start})", {"file": rel, "field": None}) from None
        scenario = parse_scenario(text, rel, version, expected_id=scenario_id)
        with self._lock:
            self._cache[path] = (stamp, scenario)
            self._fresh[(version, scenario_id)] = (time.monotonic(), scenario)
        return scenario

    def all(self, version: str) -> list[Scenario]:
        return [self.get(version, sid) for sid in self.ids(version)]

    def listing(self, version: str) -> ScenarioListing:
        """Every scenario of the version, listed again at most once per `recheck` seconds (every explorer
        page asks, and globbing the folder per view cost more than serving the cached page)."""
        listed = self._listings.get(version)
        if listed is not None and time.monotonic() - listed[0] < self.recheck:
            return listed[1]
        good: list[Scenario] = []
        errors: list[tuple[str, ContentError]] = []
        digest = hashlib.sha256()
        for scenario_id in self.ids(version):
            try:
                scenario = self.get(version, scenario_id)
            except NotFound:                # removed since the folder was listed
                continue
            except ContentError as exc:
                errors.append((scenario_id, exc))
                digest.update(f"{scenario_id}\0error\0{exc.message}\0".encode())
                continue
            good.append(scenario)
            digest.update(f"{scenario_id}\0{scenario.digest}\0".encode())
        found = ScenarioListing(version=version, scenarios=tuple(good), errors=tuple(errors),
                                fingerprint=digest.hexdigest())
        self._listings[version] = (time.monotonic(), found)
        return found


# One library per content root, charged for a root's worth of parsed scenarios (a few KiB each).
_LIBRARIES: BoundedCache[Path, ScenarioLibrary] = BoundedCache("runs.scenario_libraries", 1 << 20,
                                                               sizeof=lambda root, library: 256 << 10, oversize=1)


def scenario_library(content_root: Path | str) -> ScenarioLibrary:
    """The per-process library for a content root (shared so its parse cache is shared)."""
    # The catalog's own Path as is: a new Path per call (and its hash) was a tenth of an explorer page view.
    root = content_root if isinstance(content_root, Path) else Path(content_root)
    return _LIBRARIES.get_or_make(root, lambda: ScenarioLibrary(root))


def load_scenarios(content_root: Path | str, version: str) -> list[Scenario]:
    return scenario_library(content_root).all(version)


def load_scenario(content_root: Path | str, version: str, scenario_id: str) -> Scenario:
    return scenario_library(content_root).get(version, scenario_id)
