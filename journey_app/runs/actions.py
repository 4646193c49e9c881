"""The action grammar: `step [n]`, `step_line [n]`, `next_line [n]`, `run_until <target>`, `set <name> <value>`,
`raise_irq <n>`, `host_check`, `reset`, and the debugger's `break <where>`, `unbreak <where>`, `watch <what>`,
`unwatch <what>`, `continue`.
Owns splitting, syntax checks and errors that point at the offending word; must not resolve symbols or run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import BadInput
from ..guest.registers import FLAG_BITS, GENERAL
from ..host.lguest_data import resolve as resolve_field
from .values import TERM

MAX_STEP = 10_000                    # one `step n`; the run's instruction budget still applies
RUN_KEYWORDS = ("ret", "hypercall", "decision")
HOST_FIELDS = ("irqs_pending", "halted", "kick")
VERBS = ("step", "step_line", "next_line", "run_until", "set", "raise_irq", "host_check", "reset",
         "break", "unbreak", "watch", "unwatch", "continue")
MAX_LINES = 1_000                    # one `step_line n` / `next_line n`
# Runs of blanks other than one plain space (which stays as it is: most of a long list is single spaces,
# and a regex substitution per space made canonical() the largest cost of a Step at history 1,000).
_SPACES = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")
_SEPARATOR = re.compile(r"[;\n]")
WORD = re.compile(r"\S+")

EXPECT_VERB = "one of: " + ", ".join(VERBS)
EXPECT_VALUE = "a number (decimal or 0x-hex) or a symbol name, optionally +/- a number"
EXPECT_TARGET = ("a register (eax..edi, esp, ebp, eip), a flag (CF PF AF ZF SF TF IF DF OF), an lguest_data "
                 "field (irq_enabled, irq_pending, blocked_interrupts, ...) or a host field "
                 "(irqs_pending, halted, kick)")
EXPECT_UNTIL = "a label, a 0x-address, or one of: " + ", ".join(RUN_KEYWORDS)
EXPECT_BREAK = "a label, a 0x-address or L<n> (source line n)"
EXPECT_WATCH = ("a register, a flag, an lguest_data field, or memory as <symbol|0xaddr>[:bytes] "
                "(lguest_data+20:4, 0xc0104000:8)")
_WATCH_RANGE = re.compile(r"^(?P<base>[^:]+)(?::(?P<count>\d{1,3}))?$")
_LINE_WORD = re.compile(r"^[Ll]\d{1,6}$")


@dataclass(frozen=True)
class Action:
    """One parsed action. `target` is the normalised name for `set` ("eax", "ZF", "lguest_data.irq_enabled",
    "host.irqs_pending"); `args` are the words as written."""

    index: int
    verb: str
    args: tuple[str, ...]
    target: str | None = None

    @property
    def text(self) -> str:
        return " ".join((self.verb, *self.args))

    def to_json(self) -> dict:
        return {"index": self.index, "verb": self.verb, "args": list(self.args), "text": self.text}


class ActionError(Exception):
    """A problem with word `word_index` of action `index` (0 = the verb; len(args)+1 = a missing word)."""

    def __init__(self, index: int, word_index: int, word: str, expected: str, message: str):
        super().__init__(message)
        self.index, self.word_index, self.word, self.expected, self.message = index, word_index, word, expected, message

    def to_bad_input(self, text: str) -> BadInput:
        line, column = word_position(text, self.index, self.word_index)
        return BadInput(f"action {self.index + 1} ({line}:{column}): {self.message}", {
            "action_index": self.index, "column": column, "line": line, "word": self.word, "expected": self.expected})


def canonical(text: str) -> str:
    """The action list as `a; b; c` with single spaces: checkpoint keys hash this, so spacing never matters."""
    pieces = (piece.strip(" ") for piece in _SEPARATOR.split(_SPACES.sub(" ", text)))
    return "; ".join(piece for piece in pieces if piece)


def split_actions(text: str) -> list[str]:
    """Canonical action texts (blank pieces are not actions)."""
    canon = canonical(text)
    return canon.split("; ") if canon else []


_BLANK = " \t\r\n\f\v;"
_PIECE = re.compile(r"[^;\n]+")


class ActionList:
    """A run's action text, looked at only as far as needed.

    A stepping client resends its whole list plus one action; finding that last action and the prefix
    before it takes two rfind calls, so a step at history 1,000 does no per-action Python work. The
    full split (`spans`) is made only when the cache misses and actions are going to run anyway.
    Prefixes are named by where they end in the raw text (`end(i)`), which is what checkpoint keys hash."""

    def __init__(self, text: str):
        self.raw = text
        self.full = text.rstrip(_BLANK)
        self._spans: list[tuple[int, int]] | None = None

    def upper_bound(self) -> int:
        """At least the number of actions, from two C-speed counts."""
        return self.full.count(";") + self.full.count("\n") + 1 if self.full.strip(_BLANK) else 0

    def spans(self) -> list[tuple[int, int]]:
        """(start, end) in the raw text of each action's words."""
        if self._spans is None:
            spans = []
            for match in _PIECE.finditer(self.full):
                piece = match.group()
                stripped = piece.strip()
                if stripped:
                    start = match.start() + (len(piece) - len(piece.lstrip()))
                    spans.append((start, start + len(stripped)))
            self._spans = spans
        return self._spans

    def __len__(self) -> int:
        return len(self.spans())

    def end(self, i: int) -> int:
        """Where the prefix of the first i actions ends in the raw text."""
        return self.spans()[i - 1][1] if i > 0 else 0

    def last_cut(self) -> int:
        """end(len - 1), found without splitting: the prefix a client sent one step ago."""
        if self._spans is not None:
            return self.end(len(self._spans) - 1) if self._spans else 0
        cut = max(self.full.rfind(";"), self.full.rfind("\n"))
        return len(self.full[:cut].rstrip(_BLANK)) if cut >= 0 else 0

    def after(self, end: int) -> list[str]:
        """The canonical texts of the actions after raw offset `end` (a prefix boundary)."""
        return split_actions(self.full[end:])

    def pieces(self) -> list[str]:
        """The canonical text of each action (what a response echoes): from the pieces' words, without
        making the spans when nothing else needed them."""
        if self._spans is not None:
            return [" ".join(self.raw[a:b].split()) for a, b in self._spans]
        return [" ".join(words) for words in (piece.split() for piece in _PIECE.findall(self.full)) if words]


def word_position(text: str, index: int, word_index: int) -> tuple[int, int]:
    """1-based (line, column) in the original text of word `word_index` of action `index` (past its end if
    the word is missing)."""
    start, count = 0, -1
    for match in re.finditer(r"[^;\n]*", text):
        if match.start() < start or not match.group().strip():
            continue
        start = match.end()
        count += 1
        if count == index:
            words = list(WORD.finditer(match.group()))
            if word_index < len(words):
                offset = match.start() + words[word_index].start()
            else:
                offset = match.start() + (words[-1].end() + 1 if words else 0)
            break
    else:
        offset = len(text)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


MAX_NUMBER_CHARS = 24


def number_word(word: str) -> int:
    """The value of a number word the parser accepted: 0x-hex or decimal. Decimal with leading zeros
    ("010") is ten, as the grammar says; Python's int(word, 0) refuses it, so no verb may use that."""
    return int(word, 16) if word[:2].lower() == "0x" else int(word, 10)


def _number(index: int, words: list[str], at: int, lo: int, hi: int, what: str) -> int:
    word = words[at]
    if len(word) > MAX_NUMBER_CHARS:   # int() of thousands of digits is slow, and past 4,300 an error
        raise ActionError(index, at, word[:24] + "...", f"{what} from {lo} to {hi}", "the number is too long")
    if not re.match(r"^(0[xX][0-9a-fA-F]+|[0-9]+)$", word):
        raise ActionError(index, at, word, f"{what} from {lo} to {hi}", f"{word!r} is not a number")
    value = number_word(word)
    if not lo <= value <= hi:
        raise ActionError(index, at, word, f"{what} from {lo} to {hi}", f"{word} is out of range ({lo}..{hi})")
    return value


def set_target(name: str) -> tuple[str, int] | None:
    """("eax", 0xFFFFFFFF), ("ZF", 1), ("lguest_data.irq_enabled", 0xFFFFFFFF), ("host.halted", 1) or None."""
    low = name.lower()
    if low in GENERAL:
        return low, 0xFFFFFFFF
    if name.upper() in FLAG_BITS:
        return name.upper(), 1
    bare = low.removeprefix("host.")
    if bare in HOST_FIELDS and (low.startswith("host.") or low == bare):
        return f"host.{bare}", 1 if bare in ("halted", "kick") else 0xFFFFFFFF
    field = name.removeprefix("lguest_data.")
    try:
        _offset, size = resolve_field(field)
    except BadInput:
        return None
    return f"lguest_data.{field}", (1 << 8 * size) - 1


def parse_action(text: str, index: int) -> Action:
    """One canonical action text; raises ActionError."""
    words = text.split(" ")
    verb = words[0]
    args = words[1:]

    def arity(lo: int, hi: int) -> None:
        if len(args) > hi:
            raise ActionError(index, hi + 1, args[hi], "the end of the action (';' or a new line)",
                              f"{verb} takes {hi} argument{'s' if hi != 1 else ''}; {args[hi]!r} is one too many")
        if len(args) < lo:
            missing = {"run_until": EXPECT_UNTIL, "break": EXPECT_BREAK, "unbreak": EXPECT_BREAK,
                       "watch": EXPECT_WATCH, "unwatch": EXPECT_WATCH,
                       "set": EXPECT_TARGET if not args else EXPECT_VALUE,
                       "raise_irq": "an irq number from 0 to 31"}[verb]
            raise ActionError(index, len(words), "", missing, f"{verb} needs {missing}")

    if verb not in VERBS:
        raise ActionError(index, 0, verb, EXPECT_VERB, f"unknown action {verb!r}")
    if verb in ("break", "unbreak"):
        arity(1, 1)
        if not (_LINE_WORD.match(args[0]) or TERM.match(args[0])):
            raise ActionError(index, 1, args[0], EXPECT_BREAK, f"cannot break at {args[0]!r}")
        return Action(index, verb, tuple(args))
    if verb in ("watch", "unwatch"):
        arity(1, 1)
        found = _WATCH_RANGE.match(args[0])
        if not found or not (set_target(found.group("base")) or TERM.match(found.group("base"))):
            raise ActionError(index, 1, args[0], EXPECT_WATCH, f"cannot watch {args[0]!r}")
        return Action(index, verb, tuple(args))
    if verb in ("host_check", "reset", "continue"):
        arity(0, 0)
        return Action(index, verb, ())
    if verb == "step":
        arity(0, 1)
        if args:
            _number(index, words, 1, 1, MAX_STEP, "a step count")
        return Action(index, verb, tuple(args))
    if verb in ("step_line", "next_line"):
        arity(0, 1)
        if args:
            _number(index, words, 1, 1, MAX_LINES, "a line count")
        return Action(index, verb, tuple(args))
    if verb == "raise_irq":
        arity(1, 1)
        _number(index, words, 1, 0, 31, "an irq number")
        return Action(index, verb, tuple(args))
    if verb == "run_until":
        arity(1, 1)
        if args[0] not in RUN_KEYWORDS and not TERM.match(args[0]):
            raise ActionError(index, 1, args[0], EXPECT_UNTIL, f"cannot run until {args[0]!r}")
        return Action(index, verb, tuple(args))
    arity(2, 2)                                      # set
    target_limit = set_target(args[0])
    if target_limit is None:
        raise ActionError(index, 1, args[0], EXPECT_TARGET, f"unknown register, flag or field {args[0]!r}")
    target, limit = target_limit
    if not TERM.match(args[1]):
        raise ActionError(index, 2, args[1], EXPECT_VALUE, f"{args[1]!r} is not a value")
    if re.match(r"^(0[xX][0-9a-fA-F]+|[0-9]+)$", args[1]):
        _number(index, words, 2, 0, limit, f"a value for {target}")
    return Action(index, verb, tuple(args), target)


def parse_actions(text: str) -> list[Action]:
    """Every action of a text, or BadInput pointing at the first bad word."""
    try:
        return [parse_action(piece, i) for i, piece in enumerate(split_actions(text))]
    except ActionError as exc:
        raise exc.to_bad_input(text) from None
