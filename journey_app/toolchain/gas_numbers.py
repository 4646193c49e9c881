"""GAS's own number syntax (binutils read.c / expr.c `operand()`), as the edit sandbox must read counts.

Owns `read_number` (one token → its value, or a reason GAS would not read it as a plain number); must not
evaluate expressions: a count in an edited line is one literal, never arithmetic or a symbol.
Python's int(x, 0) is not GAS: "0100" is octal 64 in GAS and an error in Python; "08" is an error in GAS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A numeric token as GAS's lexer sees it: a digit, then every letter, digit or '_' after it.
NUMBER_TOKEN = re.compile(r"[0-9][0-9A-Za-z_]*")
LOCAL_LABEL_REF = re.compile(r"[0-9]+[bfBF]")     # "1f" / "2b": the nearest local label 1: / 2:, not a number
MAX_DIGITS = 40                                  # past 2**128 GAS makes a bignum; no count needs that


@dataclass(frozen=True)
class Number:
    value: int
    text: str
    base: int      # 2, 8, 10, 16, or 0 for a character constant


class NotANumber(ValueError):
    """The token is not one GAS reads as a plain number; the message says why, for the student."""


def read_number(text: str) -> Number:
    """The value of one GAS number token: 0x1F / 0X1f (hex), 0b101 (binary), 0100 (octal), 100, 'c.

    A leading 0 means octal (so 08 is refused, as GAS refuses it); "1f" and "0b" are local label
    references, not numbers; floating constants (0f1.5) are not counts either."""
    text = text.strip()
    if not text:
        raise NotANumber("a number is missing")
    if text.startswith("'"):
        return _char_constant(text)
    if len(text) > MAX_DIGITS:
        raise NotANumber(f"{text[:12]}... has more than {MAX_DIGITS} characters")
    if not NUMBER_TOKEN.fullmatch(text):
        raise NotANumber(f"{text!r} is not a number")
    if LOCAL_LABEL_REF.fullmatch(text):
        raise NotANumber(f"{text!r} is a reference to the local label {text[:-1]}:, not a number")
    lower = text.lower()
    if lower.startswith("0x"):
        digits, base = text[2:], 16
        valid = re.fullmatch(r"[0-9A-Fa-f]+", digits)
    elif lower.startswith("0b"):
        digits, base = text[2:], 2
        valid = re.fullmatch(r"[01]+", digits)
    elif len(text) > 1 and text[0] == "0":
        digits, base = text[1:], 8
        valid = re.fullmatch(r"[0-7]+", digits)
        if not valid and len(text) > 1 and text[1].isalpha():
            raise NotANumber(f"{text!r}: GAS reads 0{text[1]}... as a floating-point or unknown constant")
    else:
        digits, base = text, 10
        valid = re.fullmatch(r"[0-9]+", digits)
    if not valid:
        kind = {16: "hexadecimal", 2: "binary", 8: "octal (a leading 0 means octal)", 10: "decimal"}[base]
        raise NotANumber(f"{text!r} is not a {kind} number as GAS reads it")
    return Number(int(digits, base), text, base)


def _char_constant(text: str) -> Number:
    """GAS's 'c: the code of one character. Escapes ('\\n) are GAS syntax too, but not accepted here."""
    if text[1:2] == "\\":
        raise NotANumber("escapes in character constants are not accepted in edited lines")
    if len(text) != 2:
        raise NotANumber(f"{text!r}: a character constant is one quote and one character, like 'A")
    ch = text[1]
    if not " " <= ch <= "~":
        raise NotANumber(f"{text!r}: only printable ASCII characters")
    return Number(ord(ch), text, 0)
