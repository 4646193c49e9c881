"""The body of a run response: a replay's state plus its events, annotated, filtered by kind and trimmed.

Re-exports EVENT_KINDS (from runs.events); owns the response shape (shared by POST /api/run and the lab runs);
must not replay or parse.
"""

from __future__ import annotations

from ...runs.events import KINDS as EVENT_KINDS  # the one list of event kinds, re-exported
from .citations import cite_events

__all__ = ["EVENT_KINDS", "annotate_events", "shape_response"]


def shape_response(version: str, scenario_id: str, result: dict, max_events: int, kinds) -> dict:
    """state + events. Each event gets `action_step` (instructions so far within its action) beside the
    `action_index` the runs layer gives it, so a client can go back to that moment even when the events
    are filtered or trimmed; then kinds are filtered and only the last `max_events` kept."""
    events = annotate_events(result["events"], result.get("events_from", 0))
    total = len(events)
    if kinds is not None:
        wanted = set(kinds)
        events = [e for e in events if e["kind"] in wanted]
    kept = events[len(events) - max_events:] if max_events else []
    cite_events(version, kept)
    return {
        "version": version,
        "scenario": scenario_id,
        "actions": result.get("actions", []),
        "state": result["state"],
        "events": kept,
        "events_from": result.get("events_from", 0),
        "events_total": total,
        "events_omitted": len(events) - len(kept),
        "events_dropped": result.get("events_dropped", 0),
    }


def annotate_events(events: list[dict], events_from: int = 0) -> list[dict]:
    """Adds action_index/action_step in place (the dicts are this request's own, fresh from to_json()).
    Events before the first `action` event belong to the scenario's set-up (action_index -1)."""
    action, steps = (events_from - 1 if events_from else -1), 0
    for event in events:
        kind = event["kind"]
        if kind == "action":
            index = event.get("action_index")
            action = index if isinstance(index, int) else action + 1
            steps = 0
        elif kind == "insn":
            steps += 1
        if not isinstance(event.get("action_index"), int):
            event["action_index"] = action
        event["action_step"] = steps
    return events
