"""Reading a JSON request body into a dict, refusing what json.loads lets through but the app must not see:
integers of thousands of digits (Python's int() refuses past 4,300 and is quadratic before that), lone
surrogates ("\\ud800", which no UTF-8 encoder accepts later), deep nesting, non-UTF-8 bytes.

Owns `read_json_object` only; every endpoint that takes JSON calls it. Raises BadInput (400).
"""

from __future__ import annotations

import json

from ...errors import BadInput

MAX_INT_DIGITS = 30          # anything longer is not a line number, a count or an address


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadInput(f"a number in the request has {len(text)} digits; at most {MAX_INT_DIGITS} are accepted",
                       {"field": None})
    return int(text)


def _float(text: str) -> float:
    if len(text) > 64:
        raise BadInput("a number in the request is too long", {"field": None})
    return float(text)


def _constant(name: str):
    raise BadInput(f"{name} is not JSON", {"field": None})


def _check_text(value, depth: int = 0) -> None:
    """Every string (keys too) must encode as UTF-8: a lone surrogate from a \\uD800 escape does not."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise BadInput("the request holds a lone UTF-16 surrogate (\\ud800-\\udfff) that is not text",
                               {"field": None}) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def read_json_object(raw: bytes) -> dict:
    try:
        body = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except UnicodeDecodeError:
        raise BadInput("the request body is not UTF-8", {"field": None}) from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"the request body is not valid JSON: {exc.msg}",
                       {"line": exc.lineno, "column": exc.colno, "position": exc.pos}) from None
    except RecursionError:
        raise BadInput("the request body is nested too deeply", {"field": None}) from None
    except ValueError as exc:   # anything else json's number handling refuses
        raise BadInput(f"the request body is not valid JSON: {exc}"[:200], {"field": None}) from None
    if not isinstance(body, dict):
        raise BadInput("the request body must be a JSON object", {"type": type(body).__name__})
    _check_text(body)
    return body
