"""The sandbox's line grammar: an ALLOW-list of what an edited line may say to GAS, and the budgets.

A line is tokens of a small GAS subset: labels, instruction mnemonics Capstone/GAS know, registers,
numbers in GAS's own syntax (gas_numbers), symbols and operators, `/* */` comments closed on the line and
a trailing `#` comment, split into statements by ';'. A statement starts with a label, an instruction, or
one of a few data/alignment/repeat directives whose counts are single literal numbers within the budget.
Anything else is refused, so nothing here recognises bad text: it only recognises good text.
Identifiers naming an object-like macro of the trusted sources are replaced by its expansion (MacroTable,
made by macros.py from cpp over the shipped files) and the result is checked again, because the
student's line itself never reaches cpp.

Owns SandboxPolicy (the bounds) and check_line (one line → the text `as` reads, or SandboxRefused);
must not read files, apply edits or run any tool: sandbox.py does that after every line here has passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import SandboxRefused
from .gas_numbers import LOCAL_LABEL_REF, NotANumber, read_number
from .gas_words import is_mnemonic, is_register

# Data directives: each operand is one expression, emitting `unit` bytes.
DATA = {"byte": 1, "word": 2, "short": 2, "value": 2, "hword": 2, "long": 4, "int": 4, "quad": 8}
SKIPS = ("skip", "space", "zero")            # N bytes (of an optional fill byte)
ALIGNS = ("align", "balign", "balignw", "balignl", "p2align", "p2alignw", "p2alignl")
DIRECTIVES = frozenset(DATA) | frozenset(SKIPS) | frozenset(ALIGNS) | {"fill", "rept", "endr"}
MAX_INSN_BYTES = 15                          # the longest x86 instruction, the worst case of one statement
# Operators and punctuation of AT&T operands and GAS expressions. A lone '=' (symbol assignment, `. = x`
# moves the location counter) is not among them.
OPERATORS = ("<<", ">>", "==", "!=", "<=", ">=", "<>", "&&", "||",
             "$", "*", "(", ")", ",", ":", "+", "-", "/", "%", "&", "|", "^", "~", "!", "<", ">")
_HEAD_DIRECTIVE = re.compile(r"^\s*(?:[A-Za-z_.][\w.$]*:\s*)*\.([A-Za-z_]\w*)")
CHAR_CONSTANT_OK = re.compile(r"[A-Za-z0-9 !$%&*+,\-.:<=>?@^_|~]")

_TOKEN = re.compile(r"""
    (?P<ws>[ \t]+)
  | (?P<comment>/\*.*?\*/)
  | (?P<open_comment>/\*)
  | (?P<hash>\#)
  | (?P<reg>%[A-Za-z][A-Za-z0-9]*)
  | (?P<number>[0-9][0-9A-Za-z_]*)
  | (?P<char>'.?)
  | (?P<ident>[A-Za-z_.][A-Za-z0-9_.$]*)
  | (?P<sep>;)
  | (?P<op>""" + "|".join(re.escape(op) for op in OPERATORS) + r""")
""", re.VERBOSE)


@dataclass(frozen=True)
class SandboxPolicy:
    """Bounds on what an edit may ask of the toolchain; each has a message a student can act on."""

    max_line_chars: int = 200
    max_edited_lines: int = 8
    max_submission_bytes: int = 64 * 1024
    max_repeat: int = 64            # .rept count
    max_fill_bytes: int = 64 * 1024  # bytes all edited lines may emit at most, repeats and alignment included
    max_align: int = 4096
    max_elf_bytes: int = 4 * 1024 * 1024
    max_image_growth: int = 1024 * 1024  # allocated section bytes beyond the unedited build


@dataclass(frozen=True)
class MacroTable:
    """Object-like macros of the trusted sources (name → full expansion) and the function-like names."""

    objects: Mapping[str, str] = field(default_factory=dict)
    functions: frozenset[str] = frozenset()


NO_MACROS = MacroTable()


def refuse(line: int | None, reason: str) -> SandboxRefused:
    where = f"line {line}: " if line else ""
    return SandboxRefused(f"{where}{reason}", {"line": line, "reason": reason})


@dataclass
class LineBudget:
    """State carried across edited lines in file order: the open repeat block and the bytes declared so far."""

    depth: int = 0
    multiplier: int = 1
    opened_at: int | None = None
    last_line: int | None = None
    fill_bytes: int = 0


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def check_line(number: int, text: str, policy: SandboxPolicy, budget: LineBudget | None = None,
               macros: MacroTable = NO_MACROS) -> str:
    """The line as `as` will read it (comments dropped, macros expanded), or SandboxRefused naming why."""
    budget = budget if budget is not None else LineBudget()
    if budget.depth and budget.last_line is not None and number != budget.last_line + 1:
        raise refuse(budget.opened_at, f"the .rept on line {budget.opened_at} must be closed by .endr in the "
                                       f"lines right after it (line {budget.last_line + 1} is not edited)")
    budget.last_line = number
    if "\n" in text or "\r" in text:
        raise refuse(number, "one line per edit: the replacement may not contain a line break")
    if len(text) > policy.max_line_chars:
        raise refuse(number, f"the line is {len(text)} characters long; the limit is {policy.max_line_chars}")
    for column, ch in enumerate(text, 1):
        if not (ch == "\t" or " " <= ch <= "~"):
            raise refuse(number, f"character {ch!r} at column {column} is not printable ASCII")
    try:
        tokens = _expand(number, tokenize(number, text), macros)
    except SandboxRefused:
        head = _HEAD_DIRECTIVE.match(text)
        if head and head.group(1).lower() not in DIRECTIVES:   # say the more useful thing first
            _check_directive(number, head.group(1).lower(), [], policy, budget)
        raise
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "sep":
            statements.append([])
        else:
            statements[-1].append(token)
    out = []
    for statement in statements:
        _check_statement(number, statement, policy, budget)
        out.append("".join(t.text for t in statement).strip())
    return "\t" + "; ".join(s for s in out if s)


def tokenize(number: int, text: str) -> list[Token]:
    """The line's tokens; comments become one blank. Refuses any character outside the grammar."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise refuse(number, f"{text[position]!r} at column {position + 1} is not part of the GAS "
                                 "subset edited lines may use (no strings, backslashes, @ or = )")
        kind = match.lastgroup or ""
        piece = match.group()
        if kind == "open_comment":
            raise refuse(number, "a /* comment must be closed with */ on the same line")
        if kind == "hash":
            if not any(t.kind not in ("ws", "comment") for t in tokens):
                raise refuse(number, "a line may not start with '#' (to GAS that is a line marker; "
                                     "preprocessor directives are not available in edited lines)")
            break   # a trailing # comment: GAS ignores the rest of the line, and so do we
        if kind == "comment":
            kind, piece = "ws", " "
        if kind == "reg" and not is_register(piece[1:]):
            raise refuse(number, f"{piece} is not an i386 register")
        if kind == "char" and (len(piece) != 2 or not CHAR_CONSTANT_OK.fullmatch(piece[1])):
            raise refuse(number, f"{piece!r} at column {position + 1}: a character constant is ' and one letter, "
                                 "digit or operator, like 'A")
        if kind == "number" and not LOCAL_LABEL_REF.fullmatch(piece):
            try:
                read_number(piece)
            except NotANumber as exc:
                raise refuse(number, str(exc)) from None
        tokens.append(Token(kind, piece))
        position = match.end()
    return tokens


def _expand(number: int, tokens: list[Token], macros: MacroTable) -> list[Token]:
    """Object-like macros of the shipped headers replaced by their (already fully expanded) text."""
    out: list[Token] = []
    for index, token in enumerate(tokens):
        if token.kind != "ident":
            out.append(token)
            continue
        if token.text in macros.functions and _next_is_paren(tokens, index):
            raise refuse(number, f"{token.text}(...) is a macro with arguments: write out what it stands "
                                 "for (macros with arguments are not expanded in edited lines)")
        expansion = macros.objects.get(token.text)
        if expansion is None:
            out.append(token)
            continue
        try:
            out.extend(tokenize(number, expansion))
        except SandboxRefused:
            raise refuse(number, f"{token.text} stands for {expansion[:60]!r}, "
                                 "which edited lines may not use") from None
    return out


def _next_is_paren(tokens: list[Token], index: int) -> bool:
    for token in tokens[index + 1:]:
        if token.kind != "ws":
            return token.text == "("
    return False


def _check_statement(number: int, statement: list[Token], policy: SandboxPolicy, budget: LineBudget) -> None:
    words = [t for t in statement if t.kind != "ws"]
    while len(words) >= 2 and words[1].text == ":" and (
            (words[0].kind == "ident" and words[0].text != ".")
            or (words[0].kind == "number" and words[0].text.isdigit())):
        words = words[2:]      # labels: `name:` and local `1:`
    if not words:
        return
    head, operands = words[0], words[1:]
    if head.kind != "ident" or head.text == ".":
        raise refuse(number, f"a statement starts with a label, an instruction or a directive, not {head.text!r}")
    if head.text.startswith("."):
        _check_directive(number, head.text[1:].lower(), operands, policy, budget)
        return
    if not is_mnemonic(head.text):
        raise refuse(number, f"{head.text!r} is not an i386 instruction GAS knows (macros and symbol "
                             "assignments are not available in edited lines)")
    _check_expression_tokens(number, operands)
    _emit(number, MAX_INSN_BYTES, policy, budget, head.text)


def _check_expression_tokens(number: int, operands: list[Token]) -> None:
    for token in operands:
        if (token.kind == "ident" and token.text.startswith(".") and token.text != "."
                and token.text[1:].lower() in DIRECTIVES):
            raise refuse(number, f"{token.text} may only start a statement")


def _args(operands: list[Token]) -> list[list[Token]]:
    args: list[list[Token]] = [[]]
    for token in operands:
        if token.text == ",":
            args.append([])
        else:
            args[-1].append(token)
    return args if operands else []


def _literal(number: int, name: str, arg: list[Token] | None, what: str) -> int:
    if arg is None or len(arg) != 1 or arg[0].kind not in ("number", "char"):
        shown = " ".join(t.text for t in arg or [])
        raise refuse(number, f"the {what} of .{name} must be one plain number (got {shown!r})")
    try:
        return read_number(arg[0].text).value
    except NotANumber as exc:
        raise refuse(number, f"the {what} of .{name}: {exc}") from None


def _check_directive(number: int, name: str, operands: list[Token], policy: SandboxPolicy, budget: LineBudget) -> None:
    if name not in DIRECTIVES:
        allowed = ", ".join("." + d for d in sorted(DIRECTIVES))
        raise refuse(number, f".{name} is not allowed in edited lines (allowed directives: {allowed})")
    _check_expression_tokens(number, operands)
    args = _args(operands)
    if any(not arg for arg in args):
        raise refuse(number, f".{name} has an empty operand")
    if name == "endr":
        if args:
            raise refuse(number, ".endr takes no operands")
        if not budget.depth:
            raise refuse(number, ".endr without a .rept in your lines")
        budget.depth, budget.multiplier = 0, 1
    elif name == "rept":
        if budget.depth:
            raise refuse(number, f"repeat blocks may not be nested (one is open since line {budget.opened_at})")
        if len(args) != 1:
            raise refuse(number, ".rept takes one count")
        count = _literal(number, name, args[0], "count")
        if count > policy.max_repeat:
            raise refuse(number, f".rept repeats {count} times; at most {policy.max_repeat} are allowed")
        budget.depth, budget.multiplier, budget.opened_at = 1, max(count, 1), number
    elif name in DATA:
        if not args:
            return
        _emit(number, DATA[name] * len(args), policy, budget, "." + name)
    elif name in SKIPS:
        if not 1 <= len(args) <= (1 if name == "zero" else 2):
            raise refuse(number, f".{name} takes a size" + ("" if name == "zero" else " and an optional fill byte"))
        size = _literal(number, name, args[0], "size")
        if len(args) == 2:
            _literal(number, name, args[1], "fill byte")
        _emit(number, size, policy, budget, "." + name)
    elif name == "fill":
        if not 1 <= len(args) <= 3:
            raise refuse(number, ".fill takes repeat, size and value")
        repeat = _literal(number, name, args[0], "repeat count")
        size = _literal(number, name, args[1], "size") if len(args) > 1 else 1
        if size > 8:
            raise refuse(number, f".fill size {size}: at most 8 bytes per value")
        _emit(number, repeat * max(size, 1), policy, budget, ".fill")
    else:
        if not 1 <= len(args) <= 3:
            raise refuse(number, f".{name} takes an alignment, an optional fill and an optional maximum")
        value = _literal(number, name, args[0], "alignment")
        for extra in args[1:]:
            _literal(number, name, extra, "fill or maximum")
        power = name.startswith("p2")
        alignment = (1 << value) if power and value < 64 else value
        if (power and value >= 64) or alignment > policy.max_align:
            raise refuse(number, f".{name} {value} aligns to more than {policy.max_align} bytes")
        _emit(number, max(alignment - 1, 0), policy, budget, "." + name)


def _emit(number: int, size: int, policy: SandboxPolicy, budget: LineBudget, what: str) -> None:
    budget.fill_bytes += size * budget.multiplier
    if budget.fill_bytes > policy.max_fill_bytes:
        raise refuse(number, f"{what} would bring what your lines emit to {budget.fill_bytes} bytes "
                             f"(repeats and alignment counted); at most {policy.max_fill_bytes} are allowed")
