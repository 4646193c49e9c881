"""The checks language: structured TOML tables parsed into predicates over a Trace (never eval of text).

Owns parsing with path-precise errors and evaluation to (passed, detail); docs/labs.md documents the vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn, TypeGuard

from . import event_checks as ev
from . import predicates as p
from . import vocabulary as v
from .trace import COMPARISONS

EVENT_HEADS = ("hypercall", "decision", "irq_delivered", "event")
STATE_HEADS = ("register", "flag", "field", "host", "answer")
OTHER_HEADS = ("status", "stopped_at", "no_delivery_in", "sequence", "not", "all", "any")
HEADS = EVENT_HEADS + STATE_HEADS + OTHER_HEADS
EVENT_MODIFIERS = ("count", "eip_in")
HYPERCALL_ARGS = ("arg1", "arg2", "arg3", "arg4")


class CheckSyntaxError(Exception):
    """An expectation that is not in the vocabulary; `path` is relative to the `expect` table."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = tuple(path)
        self.message = message


def parse(expr: object, path: tuple = ()) -> p.Predicate:
    """Turn one `expect` table into a Predicate, or raise CheckSyntaxError naming the bad key."""
    if not isinstance(expr, dict):
        raise CheckSyntaxError(path, f"an expectation is a table like {{hypercall = \"...\"}}, not {expr!r}")
    heads = [key for key in expr if key in HEADS]
    if len(heads) != 1:
        unknown = [key for key in expr if key not in HEADS and key not in _ALL_MODIFIERS]
        if unknown:
            raise CheckSyntaxError(path + (unknown[0],), f"unknown expectation {unknown[0]!r}; "
                                   f"known: {', '.join(HEADS)}")
        what = "no" if not heads else f"{len(heads)} ({', '.join(heads)})"
        raise CheckSyntaxError(path, f"an expectation needs exactly one of {', '.join(HEADS)}; it has {what}")
    head = heads[0]
    allowed = _MODIFIERS[head]
    for key in expr:
        if key != head and key not in allowed:
            raise CheckSyntaxError(path + (key,), f"{key!r} does not go with {head!r}"
                                   + (f" (allowed: {', '.join(allowed)})" if allowed else ""))
    return _PARSERS[head](expr, head, path)


# --- event predicates ----------------------------------------------------------------------------

def _count(expr: dict, path: tuple) -> ev.Count:
    spec = expr.get("count")
    if spec is None:
        return ev.Count(1, None)
    if _is_int(spec) and spec >= 0:
        return ev.Count(spec, spec)
    if isinstance(spec, dict) and spec and set(spec) <= {"min", "max"} and all(_is_int(v) and v >= 0
                                                                            for v in spec.values()):
        return ev.Count(spec.get("min", 0), spec.get("max"))
    _fail(path + ("count",), "count is a number (exactly) or a table {min = n, max = m}")


def _window(expr: dict, path: tuple) -> tuple | None:
    spec = expr.get("eip_in")
    if spec is None:
        return None
    return _range(spec, path + ("eip_in",))


def _range(spec: object, path: tuple) -> tuple:
    if not (isinstance(spec, list) and len(spec) == 2 and all(_is_address(v) for v in spec)):
        _fail(path, "a range is [start, end): two labels or addresses, e.g. "
                    "[\"lguest_noirq_start\", \"lguest_noirq_end\"]")
    return tuple(spec)


def _hypercall(expr, head, path):
    name = expr[head]
    if _is_int(name):
        name = v.LHCALL_NAMES.get(name, name)
    if name not in v.LHCALL_NAMES.values():
        _fail(path + (head,), f"unknown hypercall {name!r}; known: {', '.join(v.LHCALL_NAMES.values())}")
    args = {}
    for key in HYPERCALL_ARGS:
        if key in expr:
            _operand(expr[key], path + (key,))
            args[int(key[3:]) - 1] = expr[key]
    return ev.EventMatch(ev.HypercallMatcher(name, tuple(sorted(args.items()))), _count(expr, path),
                        _window(expr, path))


def _decision(expr, head, path):
    spec = expr[head]
    spec = {"rule": spec} if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or not spec or not set(spec) <= {"rule", "outcome"}:
        _fail(path + (head,), "decision is a rule name or a table {rule = \"...\", outcome = \"...\"}")
    if "rule" in spec and spec["rule"] not in v.RULES:
        _fail(path + (head, "rule"), f"unknown rule {spec['rule']!r}; known: {', '.join(v.RULES)}")
    if "outcome" in spec and spec["outcome"] not in v.OUTCOMES:
        _fail(path + (head, "outcome"), f"unknown outcome {spec['outcome']!r}; known: {', '.join(v.OUTCOMES)}")
    matcher = ev.DecisionMatcher(spec.get("rule"), spec.get("outcome"))
    return ev.EventMatch(matcher, _count(expr, path), _window(expr, path))


def _irq_delivered(expr, head, path):
    spec = expr[head]
    if spec is True:
        irq = None
    elif _is_int(spec) and 0 <= spec < 32:
        irq = spec
    else:
        _fail(path + (head,), "irq_delivered is true (any interrupt) or an irq number 0..31")
    return ev.EventMatch(ev.DeliveryMatcher(irq), _count(expr, path), _window(expr, path))


def _event(expr, head, path):
    spec = expr[head]
    if not isinstance(spec, dict) or "kind" not in spec:
        _fail(path + (head,), "event is a table with at least kind, e.g. {kind = \"fault\"}")
    if spec["kind"] not in v.EVENT_KINDS:
        _fail(path + (head, "kind"), f"unknown event kind {spec['kind']!r}; known: {', '.join(v.EVENT_KINDS)}")
    for key, value in spec.items():
        _operand(value, path + (head, key))
    return ev.EventMatch(ev.FieldsMatcher(tuple(spec.items())), _count(expr, path), _window(expr, path))


def _sequence(expr, head, path):
    steps = expr[head]
    if not isinstance(steps, list) or len(steps) < 2:
        _fail(path + (head,), "sequence is a list of two or more event expectations, in the order they must happen")
    matchers = []
    for index, step in enumerate(steps):
        inner = parse(step, path + (head, index))
        if not isinstance(inner, ev.EventMatch) or (isinstance(step, dict) and "count" in step):
            _fail(path + (head, index), "each step of a sequence is an event expectation "
                                        f"({', '.join(EVENT_HEADS)}) without count")
        matchers.append(inner)
    return ev.Sequence(tuple(matchers))


def _no_delivery_in(expr, head, path):
    window = _range(expr[head], path + (head,))
    return p.Not(ev.EventMatch(ev.DeliveryMatcher(None), ev.Count(1, None), window))


# --- state predicates ----------------------------------------------------------------------------

def _state(expr, head, path):
    name = expr[head]
    known = {"register": v.REGISTERS, "flag": v.FLAGS, "field": v.LGUEST_DATA_FIELDS,
             "host": v.HOST_KEYS}.get(head)
    if not isinstance(name, str) or not name:
        _fail(path + (head,), f"{head} is a name")
    if known is not None and name not in known:
        _fail(path + (head,), f"unknown {head} {name!r}; known: {', '.join(known)}")
    comparisons = tuple((op, expr[op]) for op in COMPARISONS if op in expr)
    if not comparisons:
        _fail(path, f"{head} needs a comparison: one or more of {', '.join(COMPARISONS)}")
    for op, value in comparisons:
        _operand(value, path + (op,))
    at = expr.get("at")
    if at is not None and not _is_address(at):
        _fail(path + ("at",), "at is a label or address where the run must have stopped")
    return p.StateCompare(head, name, comparisons, at)


def _status(expr, head, path):
    spec = expr[head]
    wanted = spec if isinstance(spec, list) else [spec]
    bad = [s for s in wanted if s not in v.STATUSES]
    if not wanted or bad:
        _fail(path + (head,), (f"unknown status {bad[0]!r}; " if bad else "")
              + f"status is one of {', '.join(v.STATUSES)} (or a list of them)")
    return p.Status(tuple(wanted))


def _stopped_at(expr, head, path):
    spec = expr[head]
    if isinstance(spec, dict) and set(spec) <= {"line", "file"} and _is_int(spec.get("line")):
        return p.StoppedAtLine(spec.get("file"), spec["line"])
    if not _is_address(spec):
        _fail(path + (head,), "stopped_at is a label, an address or a table {line = n}")
    return p.StoppedAt(spec)


# --- combinators ----------------------------------------------------------------------------------

def _not(expr, head, path):
    return p.Not(parse(expr[head], path + (head,)))


def _all_any(expr, head, path):
    items = expr[head]
    if not isinstance(items, list) or not items:
        _fail(path + (head,), f"{head} is a non-empty list of expectations")
    parts = tuple(parse(item, path + (head, index)) for index, item in enumerate(items))
    return p.All(parts) if head == "all" else p.Any(parts)


# --- small helpers --------------------------------------------------------------------------------

def _fail(path: tuple, message: str) -> NoReturn:
    raise CheckSyntaxError(path, message)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_address(value: object) -> bool:
    return (_is_int(value) and value >= 0) or (isinstance(value, str) and bool(value.strip())) or (
        isinstance(value, dict) and "symbol" in value)


def _operand(value: object, path: tuple) -> None:
    """Literals (number, string, boolean) or {symbol = "label", add/sub = n} or {state = "path", add/sub = n}."""
    if isinstance(value, (bool, int, str)):
        return
    if isinstance(value, dict) and len({"symbol", "state"} & set(value)) == 1 and \
            set(value) <= {"symbol", "state", "add", "sub"} and \
            all(_is_int(value.get(k, 0)) for k in ("add", "sub")) and \
            all(isinstance(value[k], str) for k in ("symbol", "state") if k in value):
        return
    _fail(path, "a value is a number, a string, true/false, {symbol = \"label\", sub = n} "
                "or {state = \"registers.ebx\", add = n}")


_PARSERS = {
    "hypercall": _hypercall, "decision": _decision, "irq_delivered": _irq_delivered, "event": _event,
    "register": _state, "flag": _state, "field": _state, "host": _state, "answer": _state,
    "status": _status, "stopped_at": _stopped_at, "no_delivery_in": _no_delivery_in,
    "sequence": _sequence, "not": _not, "all": _all_any, "any": _all_any,
}
_MODIFIERS: dict[str, tuple[str, ...]] = dict.fromkeys(HEADS, ())
_MODIFIERS.update(dict.fromkeys(EVENT_HEADS, EVENT_MODIFIERS))
_MODIFIERS["hypercall"] = EVENT_MODIFIERS + HYPERCALL_ARGS
_MODIFIERS.update({head: tuple(COMPARISONS) + ("at",) for head in STATE_HEADS})
_ALL_MODIFIERS = {m for mods in _MODIFIERS.values() for m in mods}


@dataclass(frozen=True)
class Expectation:
    """A parsed `expect` table together with its source (kept for the instructor view)."""

    source: dict
    predicate: p.Predicate

    @classmethod
    def from_toml(cls, expr: object, path: tuple = ()) -> Expectation:
        return cls(expr, parse(expr, path))  # type: ignore[arg-type]
