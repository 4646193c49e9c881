"""`Run` → `replay()` → `Replay(state, events)`: deterministic, stateless, fast through the checkpoint cache.
Owns the orchestration (build, scenario, cache lookup, machine lease, limits); must not hold per-user state.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..caches import BoundedCache, estimate_bytes
from ..errors import TooLarge
from ..guest.pool import POOL, EnginePool
from ..settings import Settings
from ..toolchain import Build
from .actions import ActionError, ActionList, parse_action
from .checkpoints import CACHE, STRIDE, CheckpointCache, PrefixKeys, base_key
from .events import Event
from .locator import locator_for
from .runner import EVENT_LIMIT, Runner, changed_between, with_state
from .scenarios import Scenario, load_scenario
from .state import State, build_state
from .values import Values


@dataclass(frozen=True)
class Run:
    """(content version, scenario id, edited sources or None, action text): everything a replay depends on."""

    version: str
    scenario: str
    actions: str = ""
    source: tuple[tuple[str, str], ...] | None = None

    def __post_init__(self):
        if isinstance(self.source, Mapping):
            object.__setattr__(self, "source", tuple(sorted(self.source.items())) or None)


@dataclass(frozen=True)
class Replay:
    state: State
    events: list[Event]
    action_list: ActionList = field(compare=False)
    events_from: int = 0                        # events start at this action (0: the whole run)
    events_dropped: int = 0                     # insn/mem_write events over EVENT_LIMIT, counted not kept
    scenario: Scenario | None = field(default=None, compare=False)
    timed_out: bool = False                     # ended by the wall-clock budget: depends on the machine, not cached

    @property
    def actions(self) -> list[str]:
        """The canonical action texts, in order."""
        return list(self.action_list.pieces())

    def to_json(self) -> dict:
        return {"state": self.state.to_json(), "events": [e.to_json() for e in self.events],
                "actions": self.actions, "events_from": self.events_from, "events_dropped": self.events_dropped}


# replay() without a catalog (the CLI, scripts) gets one per Settings; the app passes its own.
_CATALOGS: BoundedCache[Settings, object] = BoundedCache("runs.catalogs", 512 << 10, max_entries=4,
                                                         sizeof=lambda settings, catalog: 1)
_VALUES: BoundedCache[str, Values] = BoundedCache("runs.values", 2 << 20,   # the build is the catalog's
                                                   sizeof=lambda key, values: estimate_bytes(values.constants))


def default_catalog(settings: Settings):
    from ..catalog import Catalog

    return _CATALOGS.get_or_make(settings, lambda: Catalog(settings))


def values_for(build: Build) -> Values:
    return _VALUES.get_or_make(build.input_hash, lambda: Values(build))


def _keep(cache: CheckpointCache, strides: list, timed_out: bool) -> None:
    if not timed_out:
        for key, checkpoint in strides:
            cache.put(key, checkpoint)


def replay(run: Run, *, catalog=None, settings: Settings | None = None, build: Build | None = None,
           events_from: int = 0, cache: CheckpointCache = CACHE, pool: EnginePool = POOL) -> Replay:
    """Replay `run` from its scenario's start (or the longest cached prefix) and return the final State
    and the Events from action `events_from` on. The same run always gives the same JSON.

    Raises NotFound (version, scenario), ContentError (scenario file), BadInput (an action; detail
    points at the word), TooLarge (more than settings.max_actions actions). Running out of the
    instruction budget is not an error: it is a `budget` event and status."""
    if settings is None:
        settings = catalog.settings if catalog is not None else Settings.from_env()
    catalog = catalog if catalog is not None else default_catalog(settings)
    if build is None:
        build = (catalog.build_with(run.version, {k: v.encode() for k, v in run.source}) if run.source
                 else catalog.build(run.version))
    scenario = load_scenario(catalog.content_root, run.version, run.scenario)
    actions = ActionList(run.actions)
    if actions.upper_bound() > settings.max_actions and len(actions) > settings.max_actions:
        raise TooLarge(f"{len(actions)} actions is more than the {settings.max_actions} one run may have",
                       {"count": len(actions), "limit": settings.max_actions})
    keys = PrefixKeys(base_key(build.input_hash, run.version, scenario.id, scenario.digest,
                               str(settings.insn_budget), str(EVENT_LIMIT)), actions)
    end, checkpoint = cache.longest(keys)
    if checkpoint is not None and checkpoint.state is not None and end == len(actions.full):
        events = checkpoint.log.since(events_from) if checkpoint.log else []
        return Replay(checkpoint.state, events, actions, events_from, checkpoint.dropped, scenario)

    todo = actions.after(end)
    locate = locator_for(build, catalog.chapter_owner)
    # Locating events needs the version's chapter index, parsed once per process (over a second for all of
    # 2.6.31's files on a busy machine): made before the run's clock starts, it is not the run's time.
    # (A content root may hold scenarios without the version's text when the build is handed in.)
    if run.version in catalog.library.versions():
        catalog.library.chapters(run.version)
    with pool.lease(build) as machine:
        runner = Runner(machine, scenario, values_for(build), locate, settings.insn_budget)
        if settings.run_seconds:   # the site's wall-clock budget (None/0: CLI and library calls have none)
            runner.seconds = settings.run_seconds
            runner.deadline = time.monotonic() + settings.run_seconds
        if checkpoint is None:
            runner.start()
            cache.put(keys.at(0), runner.checkpoint())
        else:
            runner.resume(checkpoint)
        done = runner.actions
        before = None
        # Checkpoints along the way are kept only if the run ends within its time budget: a slow
        # (hostile) run must not fill the cache with prefixes nobody will ask for again.
        strides: list = []
        try:
            for j, text in enumerate(todo):
                if runner.out_of_time():   # the rest of the list is not applied: the run ended on time
                    break
                index = done + j
                action = parse_action(text, index)
                if j == len(todo) - 1:
                    before = runner.observe()
                runner.apply(action)
                if (index + 1) % STRIDE == 0 and j < len(todo) - 1 and not runner.timed_out:
                    strides.append((keys.at(actions.end(index + 1)), runner.checkpoint()))
        except ActionError as exc:
            _keep(cache, strides, runner.timed_out)
            raise exc.to_bad_input(run.actions) from None
        _keep(cache, strides, runner.timed_out)
        changed = changed_between(before, runner.observe()) if before is not None else []
        state = build_state(runner, changed)
        if not runner.timed_out:   # a state that depends on the machine's speed is never reused
            cache.put(keys.at(len(actions.full)), with_state(runner.checkpoint(), state))
        events = runner.events_since(events_from)
        dropped = runner.dropped
    return Replay(state, events, actions, events_from, dropped, scenario, runner.timed_out)
