"""What checks look at: a finished run as plain JSON (state, events), the build's symbols and the student's answers.

Owns label/operand resolution and value comparison over those dicts; knows no emulator or runs classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LABEL = re.compile(r"^(?P<name>[A-Za-z_.$][\w.$]*)\s*(?:(?P<sign>[+-])\s*(?P<off>0[xX][0-9a-fA-F]+|\d+))?$")
_NUMBER = re.compile(r"^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|\d+)$")

COMPARISONS = {
    # name: (test(actual, expected), phrase)
    "equals": (lambda a, e: a == e, "equal to"),
    "not_equals": (lambda a, e: a != e, "not equal to"),
    "at_least": (lambda a, e: a >= e, "at least"),
    "at_most": (lambda a, e: a <= e, "at most"),
    "bits_set": (lambda a, e: (a & e) == e, "with all these bits set:"),
    "bits_clear": (lambda a, e: (a & e) == 0, "with all these bits clear:"),
}
NUMERIC_ONLY = {"at_least", "at_most", "bits_set", "bits_clear"}


class Unresolved(Exception):
    """A label, state path or answer the trace cannot provide; the check fails with this message."""


def parse_number(text: str) -> int | None:
    """An integer as a student may write it: 512, 0x200, $0x200, -4, 0b1, 0o17 (None if it is not one)."""
    text = text.strip().replace("_", "")
    if text.startswith("$"):
        text = text[1:]
    if not _NUMBER.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").lower()
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    if len(digits) > 1 and digits[0] == "0" and digits.isdigit():
        # GAS reads a leading 0 as octal, so a student may too; "09" can only mean nine
        return sign * int(digits, 8 if set(digits) <= set("01234567") else 10)
    return sign * int(digits, 0)


def fmt(value: object) -> str:
    """Numbers the way the kernel text writes them: hex above 9."""
    if isinstance(value, bool) or not isinstance(value, int):
        return repr(value) if isinstance(value, str) else str(value)
    return f"{value:#x}" if abs(value) > 9 else str(value)


@dataclass(frozen=True)
class Trace:
    """One finished run seen as data: `state` and `events` are the runs layer's to_json() shapes."""

    state: dict
    events: list
    symbols: dict = field(default_factory=dict)   # name -> address, from the Build that ran
    answers: dict = field(default_factory=dict)   # question id -> the student's text

    # --- addresses ----------------------------------------------------------------------------
    def address(self, spec: object) -> int:
        """An address from an int, "0x...", "label" or "label+off" (labels from this run's build)."""
        if isinstance(spec, bool):
            raise Unresolved(f"{spec!r} is not an address")
        if isinstance(spec, int):
            return spec
        if isinstance(spec, dict):
            value = self.operand(spec)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            raise Unresolved(f"{spec!r} is not an address")
        number = parse_number(str(spec))
        if number is not None:
            return number
        match = _LABEL.match(str(spec).strip())
        if not match or match.group("name") not in self.symbols:
            raise Unresolved(f"no label {spec!r} in this build")
        offset = int(match.group("off"), 0) if match.group("off") else 0
        return self.symbols[match.group("name")] + (-offset if match.group("sign") == "-" else offset)

    # --- values ---------------------------------------------------------------------------------
    def operand(self, spec: object) -> object:
        """The value an expectation compares against: a literal, {symbol, add/sub} or {state, add/sub}."""
        if isinstance(spec, dict):
            # TOML has no negative hex literals, so `sub = 0xC0000000` says what `add = -0xC0000000` would
            shift = int(spec.get("add", 0)) - int(spec.get("sub", 0))
            if "symbol" in spec:
                return self.address(spec["symbol"]) + shift
            if "state" in spec:
                value = self.state_value(spec["state"])
                if not shift:
                    return value
                if isinstance(value, bool) or not isinstance(value, int):
                    raise Unresolved(f"{spec['state']!r} is not a number")
                return value + shift
            raise Unresolved(f"unknown operand {spec!r}")
        return spec

    def state_value(self, path: str) -> object:
        """A value of the final state by dotted path; `lguest_data.<field>` names a field's value."""
        parts = path.split(".")
        if parts[0] == "lguest_data" and len(parts) == 2 and parts[1] not in ("address", "fields"):
            return self.field_value(parts[1])
        node: object = self.state
        for part in parts:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, list):
                named = [item for item in node if isinstance(item, dict) and item.get("name") == part]
                if not named:
                    raise Unresolved(f"the final state has no {path!r}")
                node = named[0].get("value", named[0])
            else:
                raise Unresolved(f"the final state has no {path!r}")
        return node

    def field_value(self, name: str) -> int:
        data = self.state.get("lguest_data") or {}
        for item in data.get("fields") or ():
            if item.get("name") == name:
                return item.get("value")
        raise Unresolved(f"lguest_data has no field {name!r} in the final state")

    @property
    def eip(self) -> int | None:
        return self.state.get("eip")


def compare(op: str, actual: object, expected: object) -> bool:
    """Apply one comparison; numeric-only comparisons are false for non-numbers."""
    test, _phrase = COMPARISONS[op]
    numeric = isinstance(actual, int) and isinstance(expected, int)
    if op in NUMERIC_ONLY and not numeric:
        return False
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.strip().lower(), expected.strip().lower()
    try:
        return bool(test(actual, expected))
    except TypeError:
        return False
