"""What the reader sees highlighted: kernel source through Pygments (one HTML fragment per line,
classes only, CSP-safe) and identifiers set as code in the commentary prose.

Pure functions of their arguments (safe to lru_cache); knows nothing of chapters, builds or Flask.
`python -m journey_app.web.pages.highlight > static/css/pygments.css` regenerates the colour sheet.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import inherit
from pygments.lexers import CLexer, GasLexer, TextLexer
from pygments.style import Style
from pygments.token import Comment, Keyword, Name, Number, Operator, String

from ...caches import BoundedCache

# The CSS scope of highlighted code; the stylesheet below is generated for it.
SCOPE = ".hl"

_LEXER_OPTIONS = {"stripnl": False, "stripall": False, "ensurenl": True, "tabsize": 0}


class KernelGasLexer(GasLexer):
    """GAS as the kernel writes it in `.S` files: run through cpp first.

    Pygments' GasLexer reads `#include` and the `##` of a macro body as `#` comments and flags the
    `+` of `lguest_data+LGUEST_DATA_irq_enabled` as an error; here cpp lines (with their `\\`
    continuations) are preprocessor tokens, `$0` is an immediate, and `+ - | & << >>` are operators.
    """

    name = "GAS (cpp)"
    aliases = ["kernel-gas"]
    filenames: list[str] = []

    _cpp_line = (r"^[ \t]*#[ \t]*(?:include|define|undef|if|ifdef|ifndef|elif|else|endif|error|warning|line|pragma)\b"
                 r"(?:\\\n|[^\n])*")
    _immediate = r"\$-?(?:0[xX][0-9a-fA-F]+|[0-9]+)\b"
    _operator = r"<<|>>|[+|&^~]"

    tokens = {
        "root": [(_cpp_line, Comment.Preproc), inherit],
        "instruction-args": [(_immediate, Number.Integer), (_operator, Operator), inherit],
        "directive-args": [(_operator, Operator), inherit],
    }


def lexer_for(file: str):
    if file.endswith((".S", ".s")):
        return KernelGasLexer(**_LEXER_OPTIONS)
    if file.endswith((".c", ".h")):
        return CLexer(**_LEXER_OPTIONS)
    return TextLexer(**_LEXER_OPTIONS)


_WHITESPACE_SPAN = re.compile(r'<span class="w">([ \t]*)</span>')
# Plain names and punctuation (Pygments' Name and Punctuation, classes "n", "p", "pm") take the page's ink
# (the styles below list no colour for them), so their spans only add bytes: a long C chapter is a third
# lighter without the names' and another tenth without the punctuation's.
_PLAIN_SPAN = re.compile(r'<span class="(?:n|p|pm)">([^<]*)</span>')


def split_source(text: str) -> list[str]:
    """Lines as the chapter parser numbers them: split on "\\n" only, a CRLF's CR dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


_HIGHLIGHTED: BoundedCache[tuple[str, str], tuple[Markup, ...]] = BoundedCache("web.highlight", 2 << 20, oversize=2)


def highlight_lines(text: str, file: str) -> tuple[Markup, ...]:
    """One HTML fragment per source line (line n is index n-1), spans balanced within each line.

    The whole file is lexed at once, so a comment or a `#define` running over several lines keeps
    its colour on every line; HtmlFormatter closes and reopens spans at each newline.
    """
    return _HIGHLIGHTED.get_or_make((text, file), lambda: _highlight_lines(text, file))


def _highlight_lines(text: str, file: str) -> tuple[Markup, ...]:
    lines = split_source(text)
    # A fresh formatter per call (the result is cached): formatters keep per-run state on themselves.
    html = highlight("\n".join(lines) + "\n", lexer_for(file), HtmlFormatter(nowrap=True))
    out = html.split("\n")
    # Pygments emits exactly one line per input line plus the trailing newline's empty string;
    # guard anyway so a lexer quirk can never shift line numbers.
    if len(out) < len(lines):
        out += [""] * (len(lines) - len(out))
    # Whitespace tokens carry no colour; unwrapping them keeps a listing's markup about a fifth smaller.
    return tuple(Markup(_merge_spans(_PLAIN_SPAN.sub(r"\1", _WHITESPACE_SPAN.sub(r"\1", fragment))))
                 for fragment in out[: len(lines)])


# Two spans of one class with only whitespace between (`<span class="p">)</span> <span class="p">{`)
# render as one span: whitespace shows no colour, and a C line has several such pairs.
_SAME_CLASS_PAIR = re.compile(r'<span class="([^"]+)">([^<]*)</span>([ \t]*)<span class="\1">')


def _merge_spans(fragment: str) -> str:
    while True:
        merged = _SAME_CLASS_PAIR.sub(r'<span class="\1">\2\3', fragment)
        if merged == fragment:
            return merged
        fragment = merged


COMMENT_TEXT = "ct"   # the class of a comment line's words (linking.py never links inside it; journey.css)

# A line that is wholly inside a block comment: indent, an optional `/*`, ` * ` or `*/` mark, the
# words, and an optional closing `*/`.
_COMMENT_LINE = re.compile(r"^(?P<indent>\s*)(?P<open>/\*+|\*+(?!/))?(?P<gap>\s*)(?P<words>.*?)(?P<close>\s*\*+/)?\s*$")


def comment_line_html(raw: str) -> Markup:
    """A pure comment line split into its marks and its words, so the words can be set as prose.

    Same text as the Pygments rendering: the marks (`/*`, ` * `, `*/`) stay bare (the note line's
    `code` gives them the comment's colour), the words are a `ct` span (comment text).
    """
    match = _COMMENT_LINE.match(raw)
    if match is None:  # cannot happen (every piece is optional); keep the line as plain comment
        return Markup('<span class="cm">{}</span>').format(raw)
    parts = [escape(match["indent"]), escape((match["open"] or "") + (match["gap"] or ""))]
    if match["words"]:
        parts.append(Markup('<span class="{}">{}</span>').format(COMMENT_TEXT, match["words"]))
    parts.append(escape(match["close"] or ""))
    return Markup("").join(parts)


# -- commentary prose ------------------------------------------------------------------------

# Words of the commentary that are names in the code: registers (%eax), immediates ($0),
# symbols with underscores (lguest_data.irq_enabled, __PAGE_OFFSET), paths (arch/x86/...),
# directives and sections (.section, .init.text), hex numbers. Plain words are left alone.
_CODE_WORD = re.compile(
    r"""(?<![\w/%$.])(
        %[a-z][a-z0-9]*                                    # a register
      | \$[A-Za-z0-9_]+                                    # an immediate
      | 0x[0-9A-Fa-f]+                                     # a hex number
      | (?:[A-Za-z0-9_]+/)+[A-Za-z0-9_.-]*[A-Za-z0-9_]     # a path
      | (?<!\S)\.[a-z][a-z0-9_.]*[a-z0-9]                  # a directive or section name
      | [A-Za-z0-9]*_[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\(\))?   # an identifier with _
    )(?![\w/])""",
    re.VERBOSE,
)
_EMPHASIS = re.compile(r"(?<![\w*])\*([A-Za-z][^*\n]{0,40}?[A-Za-z!])\*(?![\w*])")
_DOUBLE_QUOTED = re.compile(r'(?<![\w"])"([^"\n]+)"')
_APOSTROPHE = re.compile(r"(?<=[A-Za-z\uE000-\uEFFF])'(?=[A-Za-z])")  # also after a parked name
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'([^'\n]+)'(?![\w])")
# Code words are parked as private-use characters while quotes are curled, so a quote pair
# around a name ('hardware_subarch') still pairs up.
_PARK = 0xE000


def typeset_prose(text: str) -> Markup:
    """A paragraph of kernel commentary as inline HTML: curly quotes, *emphasis*, names as code.

    The text is escaped first; only the markup added here is HTML.
    """
    parked: list[str] = []

    def park(match: re.Match) -> str:
        parked.append(match.group(1))
        return chr(_PARK + len(parked) - 1)

    text = "".join(ch for ch in text if not _PARK <= ord(ch) < _PARK + 0x1000)
    plain = _CODE_WORD.sub(park, text)
    html = _EMPHASIS.sub(r"<em>\1</em>", str(escape(plain)))
    # escape() turned the quotes into entities; curl them, and leave none straight.
    html = html.replace("&#34;", '"').replace("&#39;", "'")
    html = _DOUBLE_QUOTED.sub("\u201c\\1\u201d", html)
    html = _APOSTROPHE.sub("\u2019", html)
    html = _SINGLE_QUOTED.sub("\u2018\\1\u2019", html)
    html = html.replace('"', "&#34;").replace("'", "\u2019")
    for index, word in enumerate(parked):
        html = html.replace(chr(_PARK + index), f"<code>{escape(word)}</code>")
    return Markup(html)


# -- colours ---------------------------------------------------------------------------------


class PaperStyle(Style):
    """Ink on paper: quiet, warm colours that keep AA contrast on the page background (#fbf9f4)."""

    name = "journey-paper"
    background_color = "#fbf9f4"
    # Names, constants, punctuation and whitespace are not listed: they take the page's own ink (brackets and
    # semicolons in ink, as GitHub and Elixir print C; the bytes of a span per bracket were a tenth of a page).
    styles = {
        Comment: "italic #6a6253",
        Comment.Preproc: "noitalic #8a4a0b",
        Keyword: "#1f4e8c",
        Name.Function: "#1f4e8c",
        Name.Attribute: "#7b3d97",
        Name.Label: "bold #9a2323",
        Name.Variable: "#0b6a50",
        Number: "#9c4212",
        String: "#56701a",
        Operator: "#6a6253",
    }


class NightStyle(Style):
    """The same roles for a dark page (#1c1b18), for prefers-color-scheme: dark."""

    name = "journey-night"
    background_color = "#1c1b18"
    styles = {
        Comment: "italic #aaa394",
        Comment.Preproc: "noitalic #e3a857",
        Keyword: "#93bbff",
        Name.Function: "#93bbff",
        Name.Attribute: "#d4abff",
        Name.Label: "bold #ff9d8c",
        Name.Variable: "#7fdcb4",
        Number: "#f2a477",
        String: "#b9d37e",
        Operator: "#aaa394",
    }


def stylesheet() -> str:
    """The static/css/pygments.css text: paper colours, night colours under prefers-color-scheme."""
    paper = "\n".join(HtmlFormatter(style=PaperStyle).get_token_style_defs(SCOPE))
    night = HtmlFormatter(style=NightStyle).get_token_style_defs(SCOPE)
    indented = "\n".join("  " + line for line in night)
    return (
        "/* Generated by `python -m journey_app.web.pages.highlight > static/css/pygments.css`; do not edit. */\n"
        f"{paper}\n@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"
    )


if __name__ == "__main__":
    print(stylesheet(), end="")
