"""`journey replay <scenario> "<actions>"`: run a scenario in the live machine and print its events and state."""

from __future__ import annotations

import json

from ..runs.replay import Run, default_catalog, replay
from ..runs.scenarios import scenario_library

FIELDS = ("action", "text", "branch", "name", "effect", "rule", "message", "reason", "explanation")


def register(sub) -> None:
    parser = sub.add_parser("replay", help="run a scenario with actions and print the events and final state")
    parser.add_argument("scenario", help="scenario id (see `journey scenarios`)")
    parser.add_argument("actions", nargs="?", default=None,
                        help="actions, e.g. \"step 3; host_check\" (default: the scenario's suggested tour)")
    parser.add_argument("--version", help="kernel version (default: newest under the content root)")
    parser.add_argument("--json", action="store_true", help="print {state, events, actions} as JSON")
    parser.add_argument("--kinds", help="only these event kinds, comma-separated (e.g. insn,decision)")
    parser.set_defaults(func=run)


def run(args, settings) -> int:
    catalog = default_catalog(settings)
    version = args.version or catalog.default_version()
    actions = args.actions
    if actions is None:
        actions = scenario_library(settings.content_root).get(version, args.scenario).actions
    result = replay(Run(version, args.scenario, actions), catalog=catalog, settings=settings)
    kinds = set(args.kinds.split(",")) if args.kinds else None
    events = [e.to_json() for e in result.events if kinds is None or e.kind in kinds]
    if args.json:
        payload = result.to_json()
        payload["events"] = events
        print(json.dumps(payload, indent=1))
        return 0
    for e in events:
        where = e["chapter"] or ""
        place = f"{e['file'] or '?'}:{e['line']}" if e["line"] else ""
        detail = _detail(e)
        print(f"{e['seq']:4}  {e['kind']:13} {e['eip']:#010x}  {where:6} {place:34} {detail}")
    print()
    print(_state_table(result.state.to_json()))
    return 0


def _detail(event: dict) -> str:
    kind = event["kind"]
    if kind == "mem_write":
        name = event["field"] or event["symbol"] or ""
        return f"[{event['address']:#x}] {event['old']:#x} -> {event['new']:#x}  {name}"
    if kind == "hypercall":
        return f"{event['name'] or event['number']}: {event['effect']}"
    if kind == "decision":
        return f"{event['outcome']} ({event['rule']}): {event['message']}"
    if kind == "irq_delivered":
        return f"irq {event['irq']} -> vector {event['vector']:#x}, {event['handler_symbol'] or hex(event['handler'])}"
    if kind == "insn":
        extra = f"  [{event['branch']}]" if "branch" in event else ""
        flags = " ".join(f"{k}={v}" for k, v in event["flags"].items())
        return f"{event['text']}{extra}" + (f"  {flags}" if flags else "")
    for key in FIELDS:
        if event.get(key):
            return str(event[key])
    return ""


def _state_table(state: dict) -> str:
    regs = state["registers"]
    loc = state["location"]
    lines = [
        f"status   {state['status']}" + (f"  ({state['reason']})" if state["reason"] else ""),
        f"at       {regs['eip']:#010x} {loc['symbol'] or ''}  {loc['file'] or ''}:{loc['line'] or ''}  "
        f"{loc['chapter'] or ''}   next: {state['next_insn']['text'] if state['next_insn'] else '?'}",
        f"insns    {state['insn_count']}",
        "regs     " + "  ".join(f"{r}={regs[r]:08x}" for r in ("eax", "ebx", "ecx", "edx", "esi", "edi")),
        "         " + "  ".join(f"{r}={regs[r]:08x}" for r in ("esp", "ebp", "eflags"))
        + "  " + "  ".join(f"{r}={regs[r]:02x}" for r in ("cs", "ss", "ds", "es")),
        "flags    " + " ".join(f"{k}={v}" for k, v in state["flags"].items()),
        "lguest_data " + "  ".join(f"{f['name']}={f['value']:#x}" for f in state["lguest_data"]["fields"]
                                   if f["name"] in ("irq_enabled", "blocked_interrupts", "irq_pending")),
    ]
    if state.get("stop"):
        lines.insert(1, f"stopped  {state['stop']['message']}")
    if state.get("breakpoints"):
        lines.append("break    " + "  ".join(f"{b['spec']} ({b['symbol'] or hex(b['address'])})"
                                            for b in state["breakpoints"]))
    if state.get("watches"):
        lines.append("watch    " + "  ".join(f"{w['spec']}={w['value']:#x}" if w["value"] is not None else w["spec"]
                                            for w in state["watches"]))
    host = state["host"]
    lines.append(f"host     initialised={host['initialised']} irqs_pending={host['irqs_pending']:#x} "
                 f"halted={host['halted']} dead={host['dead']!r} patched={len(host['patched'])}")
    for word in state["stack"]:
        mark = "<- esp" if word["address"] == regs["esp"] else ""
        label = word["label"] or ""
        lines.append(f"stack    {word['address']:#010x}: {word['value']:08x}  {label:14} {word['symbol'] or ''} {mark}")
    if state["changed"]:
        lines.append("changed  " + ", ".join(state["changed"]))
    return "\n".join(lines)
