"""Predicates over a Trace: each evaluates to Result(passed, detail) and can describe what it expects.

Owns the base class, final-state predicates and combinators (events: event_checks.py; parsing: checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .trace import COMPARISONS, Trace, Unresolved, compare, fmt, parse_number


@dataclass(frozen=True)
class Result:
    passed: bool
    detail: str


class Predicate:
    def evaluate(self, trace: Trace) -> Result:
        try:
            return self._evaluate(trace)
        except Unresolved as exc:
            return Result(False, str(exc))

    def _evaluate(self, trace: Trace) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def children(self) -> tuple[Predicate, ...]:
        return ()

    def labels(self) -> set:
        """Label names this predicate (not its children) resolves against the build."""
        return set()

    def answer_ids(self) -> set:
        return set()

    def walk(self):
        yield self
        for child in self.children():
            yield from child.walk()


def labels_in(*specs) -> set:
    found = set()
    for spec in specs:
        if isinstance(spec, dict) and isinstance(spec.get("symbol"), str):
            spec = spec["symbol"]
        if isinstance(spec, str) and parse_number(spec) is None:
            found.add(spec.split("+")[0].split("-")[0].strip())
    return found


def where(state: dict) -> str:
    """The final location as a reader wants it: symbol, then file:line and chapter."""
    loc = state.get("location") or {}
    parts = [loc.get("symbol") or fmt(state.get("eip"))]
    if loc.get("file") and loc.get("line"):
        parts.append(f"({loc['file']}:{loc['line']}{', ' + loc['chapter'] if loc.get('chapter') else ''})")
    return " ".join(str(p) for p in parts)


# --- final state ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StateCompare(Predicate):
    head: str          # register | flag | field | host | answer
    name: str
    comparisons: tuple  # ((op, operand), ...)
    at: object = None

    def actual(self, trace: Trace) -> object:
        section = {"register": "registers", "flag": "flags", "host": "host"}.get(self.head)
        if self.head == "field":
            return trace.field_value(self.name)
        if self.head == "answer":
            if self.name not in trace.answers or not str(trace.answers[self.name]).strip():
                raise Unresolved(f"no answer given for {self.name!r}")
            return trace.answers[self.name]
        values = trace.state.get(section) or {}
        if self.name not in values:
            raise Unresolved(f"the final state has no {self.head} {self.name!r}")
        return values[self.name]

    def _evaluate(self, trace: Trace) -> Result:
        if self.at is not None and trace.eip != trace.address(self.at):
            return Result(False, f"the run stopped at {where(trace.state)}, not at {self.at}")
        actual = self.actual(trace)
        passed = True
        for op, spec in self.comparisons:
            expected = trace.operand(spec)
            value = actual
            if self.head == "answer" and isinstance(expected, int) and not isinstance(expected, bool):
                value = parse_number(str(actual))
                if value is None:
                    return Result(False, f"your answer for {self.name!r} ({actual!r}) is not a number")
            passed = passed and compare(op, value, expected)
        if self.head == "answer":
            return Result(passed, f"your answer for {self.name!r} is {str(actual).strip()!r}")
        return Result(passed, f"{self._subject()} is {fmt(actual)}{' at ' + str(self.at) if self.at else ''}")

    def _subject(self) -> str:
        return {"field": f"lguest_data.{self.name}", "host": f"the host's {self.name}",
                "flag": f"flag {self.name}"}.get(self.head, self.name)

    def describe(self) -> str:
        if self.head == "answer":
            return f"the right answer for {self.name!r}"
        tests = " and ".join(f"{COMPARISONS[op][1]} {fmt(spec)}" for op, spec in self.comparisons)
        return f"{self._subject()} {tests}" + (f" when the run stops at {self.at}" if self.at is not None else "")

    def labels(self) -> set:
        return labels_in(*([self.at] if self.at is not None else []),
                          *[s for _, s in self.comparisons if isinstance(s, dict)])

    def answer_ids(self) -> set:
        return {self.name} if self.head == "answer" else set()


@dataclass(frozen=True)
class Status(Predicate):
    wanted: tuple

    def _evaluate(self, trace: Trace) -> Result:
        status = trace.state.get("status")
        reason = trace.state.get("reason")
        return Result(status in self.wanted, f"the run ended {status!r} at {where(trace.state)}"
                                             + (f": {reason}" if reason else ""))

    def describe(self) -> str:
        return "the run ends " + " or ".join(repr(s) for s in self.wanted)


@dataclass(frozen=True)
class StoppedAt(Predicate):
    label: object

    def _evaluate(self, trace: Trace) -> Result:
        return Result(trace.eip == trace.address(self.label), f"the run stopped at {where(trace.state)}")

    def describe(self) -> str:
        return f"the run stops at {self.label}"

    def labels(self) -> set:
        return labels_in(self.label)


@dataclass(frozen=True)
class StoppedAtLine(Predicate):
    file: str | None
    line: int

    def _evaluate(self, trace: Trace) -> Result:
        loc = trace.state.get("location") or {}
        ok = loc.get("line") == self.line and self.file in (None, loc.get("file"))
        return Result(ok, f"the run stopped at {where(trace.state)}")

    def describe(self) -> str:
        return f"the run stops at line {self.line}" + (f" of {self.file}" if self.file else "")


# --- combinators ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Not(Predicate):
    inner: Predicate

    def _evaluate(self, trace: Trace) -> Result:
        result = self.inner.evaluate(trace)
        return Result(not result.passed, result.detail)

    def describe(self) -> str:
        return f"not ({self.inner.describe()})"

    def children(self):
        return (self.inner,)


@dataclass(frozen=True)
class All(Predicate):
    parts: tuple

    def _evaluate(self, trace: Trace) -> Result:
        results = [part.evaluate(trace) for part in self.parts]
        failed = [r.detail for r in results if not r.passed]
        return Result(not failed, "; ".join(failed or [r.detail for r in results]))

    def describe(self) -> str:
        return " and ".join(f"({part.describe()})" for part in self.parts)

    def children(self):
        return self.parts


@dataclass(frozen=True)
class Any(Predicate):
    parts: tuple

    def _evaluate(self, trace: Trace) -> Result:
        results = [part.evaluate(trace) for part in self.parts]
        passed = [r.detail for r in results if r.passed]
        return Result(bool(passed), passed[0] if passed else "; ".join(r.detail for r in results))

    def describe(self) -> str:
        return " or ".join(f"({part.describe()})" for part in self.parts)

    def children(self):
        return self.parts
