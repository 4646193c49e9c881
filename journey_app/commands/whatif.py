"""`journey whatif <scenario> "<actions>" --at N --change "<action>"`: a run and its fork side by side."""

from __future__ import annotations

import json

from ..runs.replay import Run, default_catalog
from ..runs.whatif import what_if


def register(sub) -> None:
    parser = sub.add_parser("whatif", help="fork a run with one change and show where the two runs first differ")
    parser.add_argument("scenario", help="scenario id (see `journey scenarios`)")
    parser.add_argument("actions", help="the base run's actions, e.g. \"step 2; host_check\"")
    parser.add_argument("--at", type=int, required=True, help="the change goes before this action (0 = the start)")
    parser.add_argument("--change", required=True,
                        help="one action: set <reg|flag|field> <v>, raise_irq <n>, host_check")
    parser.add_argument("--version", help="kernel version (default: newest under the content root)")
    parser.add_argument("--json", action="store_true", help="print {at, change, base, fork, difference} as JSON")
    parser.set_defaults(func=run)


def _event(event: dict | None) -> str:
    if event is None:
        return "(nothing: the run had ended)"
    words = event.get("message") or event.get("text") or event.get("name") or ""
    return f"{event['kind']} at line {event.get('line')}: {words}"


def run(args, settings) -> int:
    catalog = default_catalog(settings)
    version = args.version or catalog.default_version()
    result = what_if(Run(version, args.scenario, args.actions), args.at, args.change, catalog=catalog,
                     settings=settings)
    diff = result.difference
    if args.json:
        print(json.dumps(result.to_json(), indent=1))
        return 0
    print(f"fork: {'; '.join(result.fork.actions)}")
    if diff["same"]:
        print("the two runs do not differ")
        return 0
    first = diff["first_event"]
    if first:
        print(f"first different event:\n  base  {_event(first['base'])}\n  fork  {_event(first['fork'])}")
    decision = diff["decision"]
    if decision:
        print(f"first different Host decision:\n  base  {_event(decision['base'])}\n  fork  {_event(decision['fork'])}")
    for row in diff["state"]:
        print(f"  {row['name']:28} base {row['base']!s:>12}   fork {row['fork']!s:>12}")
    return 0
