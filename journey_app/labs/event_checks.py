"""Event predicates: which events of a run match (hypercall, decision, delivery, any kind), how many, in what order.

Owns matching over the events' JSON; every detail names what was found, for the student's feedback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .predicates import Predicate, Result, labels_in
from .trace import Trace, compare, fmt


class Matcher(Protocol):
    """What EventMatch asks of the matchers below: does one event match, in words, and what was there."""

    def match(self, event: dict, trace: Trace) -> bool: ...

    def describe(self) -> str: ...

    def seen(self, events: list) -> str: ...


@dataclass(frozen=True)
class Count:
    low: int
    high: int | None

    def ok(self, n: int) -> bool:
        return n >= self.low and (self.high is None or n <= self.high)

    def describe(self) -> str:
        if self.high is None:
            return "at least one" if self.low == 1 else f"at least {self.low}"
        if self.low == self.high:
            return "no" if self.low == 0 else f"exactly {self.low}"
        return f"between {self.low} and {self.high}"


@dataclass(frozen=True)
class HypercallMatcher:
    name: str
    args: tuple  # ((index, operand), ...)

    def match(self, event: dict, trace: Trace) -> bool:
        if event.get("kind") != "hypercall" or event.get("name") != self.name:
            return False
        actual = event.get("args") or []
        return all(i < len(actual) and actual[i] == trace.operand(spec) for i, spec in self.args)

    def describe(self) -> str:
        args = "".join(f", arg{i + 1} = {fmt(spec)}" for i, spec in self.args)
        return f"{self.name} hypercall{'' if not args else ' (' + args[2:] + ')'}"

    def seen(self, events: list) -> str:
        names = [e.get("name") or f"#{e.get('number')}" for e in events if e.get("kind") == "hypercall"]
        return f"hypercalls made: {', '.join(names)}" if names else "no hypercall was made"


@dataclass(frozen=True)
class DecisionMatcher:
    rule: str | None
    outcome: str | None

    def match(self, event: dict, trace: Trace) -> bool:
        return event.get("kind") == "decision" and self.rule in (None, event.get("rule")) and \
            self.outcome in (None, event.get("outcome"))

    def describe(self) -> str:
        bits = [f"rule {self.rule}" if self.rule else "", f"outcome {self.outcome}" if self.outcome else ""]
        return "host decision with " + " and ".join(b for b in bits if b)

    def seen(self, events: list) -> str:
        got = [f"{e.get('rule')}→{e.get('outcome')}" for e in events if e.get("kind") == "decision"]
        return f"host decisions: {', '.join(got)}" if got else "the host made no delivery decision"


@dataclass(frozen=True)
class DeliveryMatcher:
    irq: int | None

    def match(self, event: dict, trace: Trace) -> bool:
        return event.get("kind") == "irq_delivered" and self.irq in (None, event.get("irq"))

    def describe(self) -> str:
        return "interrupt delivery" if self.irq is None else f"delivery of irq {self.irq}"

    def seen(self, events: list) -> str:
        got = [f"irq {e.get('irq')} at {fmt(e.get('eip'))}" for e in events if e.get("kind") == "irq_delivered"]
        return f"deliveries: {', '.join(got)}" if got else "no interrupt was delivered"


@dataclass(frozen=True)
class FieldsMatcher:
    fields: tuple  # ((key, operand), ...), kind first

    def match(self, event: dict, trace: Trace) -> bool:
        return all(key in event and compare("equals", event[key], trace.operand(spec)) for key, spec in self.fields)

    def describe(self) -> str:
        kind = dict(self.fields)["kind"]
        rest = ", ".join(f"{k} = {fmt(v)}" for k, v in self.fields if k != "kind")
        return f"{kind} event" + (f" with {rest}" if rest else "")

    def seen(self, events: list) -> str:
        kind = dict(self.fields)["kind"]
        return f"{sum(1 for e in events if e.get('kind') == kind)} {kind} event(s) in all"


@dataclass(frozen=True)
class EventMatch(Predicate):
    matcher: Matcher
    count: Count
    window: tuple | None = None  # [start, end) labels/addresses on the event's eip

    def matches(self, trace: Trace, events: list) -> list[int]:
        low, high = (trace.address(self.window[0]), trace.address(self.window[1])) if self.window else (0, 0)
        return [i for i, event in enumerate(events) if self.matcher.match(event, trace) and
                (self.window is None or (isinstance(event.get("eip"), int) and low <= event["eip"] < high))]

    def _evaluate(self, trace: Trace) -> Result:
        n = len(self.matches(trace, trace.events))
        found = "no" if n == 0 else "one" if n == 1 else f"{n} ×"
        return Result(self.count.ok(n), f"{found} {self.matcher.describe()}{self._where()} "
                                        f"({self.matcher.seen(trace.events)})")

    def _where(self) -> str:
        return f" with EIP in [{self.window[0]}, {self.window[1]})" if self.window else ""

    def describe(self) -> str:
        return f"{self.count.describe()} {self.matcher.describe()}{self._where()}"

    def labels(self) -> set:
        operands = [s for _, s in getattr(self.matcher, "args", ())]
        operands += [s for _, s in getattr(self.matcher, "fields", ())]
        return labels_in(*(self.window or ()), *[s for s in operands if isinstance(s, dict)])


@dataclass(frozen=True)
class Sequence(Predicate):
    steps: tuple  # of EventMatch

    def _evaluate(self, trace: Trace) -> Result:
        position = -1
        found: list[str] = []
        for step in self.steps:
            later = [i for i in step.matches(trace, trace.events) if i > position]
            if not later:
                after = f" after {found[-1]}" if found else ""
                return Result(False, f"no {step.matcher.describe()}{step._where()}{after}")
            position = later[0]
            found.append(f"{step.matcher.describe()} (event {trace.events[position].get('seq', position)})")
        return Result(True, ", then ".join(found))

    def describe(self) -> str:
        return ", then ".join(step.matcher.describe() + step._where() for step in self.steps)

    def children(self):
        return self.steps
