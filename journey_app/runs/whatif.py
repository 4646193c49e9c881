"""What-if: fork a run at action `at` with one change (a flag, a register, a field, an irq), replay both,
and find where they first differ — the events, the state, the Host's decisions.

Owns the fork rule and the comparison; must not know HTTP. A fork is itself a plain action list
(base[:at] + [change] + base[at:]), so a what-if is reproducible from (scenario, actions, at, change).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import BadInput, TooLarge
from .actions import ActionError, parse_action, split_actions
from .replay import Replay, Run, replay

CHANGE_VERBS = ("set", "raise_irq", "host_check")
# Fields of an event that only say where it sits in its own run, not what happened.
_PLACE = {"seq", "action_index", "action_step"}


@dataclass(frozen=True)
class WhatIf:
    at: int
    change: str
    base: Replay
    fork: Replay
    difference: dict

    def to_json(self) -> dict:
        return {"at": self.at, "change": self.change, "base": self.base.to_json(), "fork": self.fork.to_json(),
                "difference": self.difference}


def fork_actions(actions: list[str], at: int, change: str) -> list[str]:
    """The forked list: the change goes in before action `at` (0 = before everything)."""
    if not 0 <= at <= len(actions):
        raise BadInput(f"a what-if forks at an action from 0 to {len(actions)}, not {at}",
                       {"field": "at", "limit": len(actions)})
    pieces = split_actions(change)
    if len(pieces) != 1:
        raise BadInput("a what-if makes exactly one change (one action)", {"field": "change", "count": len(pieces)})
    try:
        action = parse_action(pieces[0], 0)
    except ActionError as exc:
        raise exc.to_bad_input(change) from None
    if action.verb not in CHANGE_VERBS:
        raise BadInput(f"a what-if change is one of: {', '.join(CHANGE_VERBS)}",
                       {"field": "change", "expected": list(CHANGE_VERBS)})
    return actions[:at] + [pieces[0]] + actions[at:]


def _event_key(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in _PLACE}


def _after(events: list[dict], first_action: int) -> list[dict]:
    """Events of actions from `first_action` on, the `action` markers left out."""
    out, inside = [], first_action <= 0
    for event in events:
        if event["kind"] == "action":
            inside = inside or event.get("action_index", -1) >= first_action
            continue
        if inside:
            out.append(event)
    return out


def _flat_state(state: dict) -> dict[str, object]:
    flat: dict[str, object] = {"status": state["status"], "eip": state["eip"], "insn_count": state["insn_count"]}
    flat.update({name: value for name, value in state["registers"].items() if name not in ("eip",)})
    flat.update(state["flags"])
    flat.update({f"lguest_data.{f['name']}": f["value"] for f in state["lguest_data"]["fields"]})
    flat.update({f"host.{k}": v for k, v in state["host"].items() if not isinstance(v, (list, dict))})
    return flat


def compare(base: dict, fork: dict, at: int) -> dict:
    """Where two replays (their to_json()) part: the first differing event after the fork point, the
    first differing Host decision, and every state value that ends different."""
    a, b = _after(base["events"], at), _after(fork["events"], at + 1)
    first = None
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        if x is None or y is None or _event_key(x) != _event_key(y):
            first = {"index": i, "base": x, "fork": y}
            break
    da = [e for e in a if e["kind"] == "decision"]
    db = [e for e in b if e["kind"] == "decision"]
    decision = None
    for i in range(max(len(da), len(db))):
        x = da[i] if i < len(da) else None
        y = db[i] if i < len(db) else None
        if x is None or y is None or (x["rule"], x["outcome"]) != (y["rule"], y["outcome"]):
            decision = {"index": i, "base": x, "fork": y}
            break
    sa, sb = _flat_state(base["state"]), _flat_state(fork["state"])
    state = [{"name": name, "base": sa.get(name), "fork": sb.get(name)}
             for name in list(sa) + [n for n in sb if n not in sa] if sa.get(name) != sb.get(name)]
    return {"first_event": first, "decision": decision, "state": state, "same": first is None and not state}


def what_if(run: Run, at: int, change: str, **kw) -> WhatIf:
    """Replay `run` and its fork (one change before action `at`) and compare them.

    Under a wall clock (the site's settings.run_seconds) a what-if is one request's worth of emulation,
    like a run: each of its two replays gets half the budget, so the pair (and an edited-source build
    before them) stays within the time one request may take. Both halves are equal, so a run long
    enough to meet the clock meets it the same way on both sides."""
    actions = split_actions(run.actions)
    forked = fork_actions(actions, at, change)
    settings = kw.get("settings")
    if settings is not None and len(forked) > settings.max_actions:   # refused before the base is replayed
        raise TooLarge(f"the fork has {len(forked)} actions, more than the {settings.max_actions} one run may have",
                       {"field": "actions", "count": len(forked), "limit": settings.max_actions})
    if settings is not None and settings.run_seconds:
        kw = {**kw, "settings": dataclasses.replace(settings, run_seconds=settings.run_seconds / 2)}
    base = replay(run, **kw)
    fork = replay(Run(run.version, run.scenario, "; ".join(forked), run.source), **kw)
    return WhatIf(at, split_actions(change)[0], base, fork, compare(base.to_json(), fork.to_json(), at))
