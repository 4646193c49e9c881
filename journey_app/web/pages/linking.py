"""Links in what the reader reads: defined names in highlighted code, and in the commentary chapter
ids (G:032), kernel file paths and `function()` names.

Works on the HTML fragments highlight.py makes and on the xref's set of names; only links to pages
that exist (a chapter that is in the Journey, a file in the version, a name the index defines).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from markupsafe import Markup, escape

from .highlight import COMMENT_TEXT

# Pygments' flat per-line fragments: `<span class="nf">name</span>` pieces and bare text between.
_PIECE = re.compile(r'(<span class="([^"]*)">)([^<]*)(</span>)|([^<]+)')
# Classes whose words are never names: comments (c, c1, cm, cp? no: cpp lines hold macro uses),
# strings and numbers.
_NOT_NAMES = ("c", "c1", "cm", "ch", "cs", "cpf", "s", "s1", "s2", "sb", "sc", "sd", "se", "sh", "si", "sx",
              "mi", "mh", "mf", "mo", "il", COMMENT_TEXT)
_WORD = re.compile(r"&[#\w]+;|[A-Za-z_][A-Za-z0-9_]*")
CHAPTER_MENTION = re.compile(r"(?<![\w:])([PGDLHSM]):([0-9]{3})(?![\w:])")


def link_code(fragment: Markup, names: Collection[str], href: Callable[[str], str]) -> Markup:
    """The fragment with every defined name outside comments and strings as a link (class `xr`)."""
    if not names:
        return fragment

    def words(text: str) -> str:
        return _WORD.sub(lambda m: _anchor(m.group(), href) if m.group() in names else m.group(), text)

    def piece(m: re.Match) -> str:
        if m.group(5) is not None:
            return words(m.group(5))
        if m.group(2) in _NOT_NAMES:
            return m.group()
        return m.group(1) + words(m.group(3)) + m.group(4)

    return Markup(_PIECE.sub(piece, str(fragment)))


def _anchor(name: str, href: Callable[[str], str]) -> str:
    return f'<a class="xr" href="{href(name)}">{name}</a>'


def link_chapter_mentions(html: Markup, href: Callable[[str, str], str | None]) -> Markup:
    """`G:032` in typeset prose (outside tags and <code>) as a link when the chapter exists."""
    out: list[str] = []
    inside_code = False
    for part in re.split(r"(<[^>]+>)", str(html)):
        if part.startswith("<"):
            inside_code = part.startswith("<code") or (inside_code and part != "</code>")
            out.append(part)
            continue
        if inside_code:
            out.append(part)
            continue

        def link(m: re.Match) -> str:
            url = href(m.group(1), m.group(2))
            return f'<a class="chapter-ref" href="{url}">{m.group()}</a>' if url else m.group()

        out.append(CHAPTER_MENTION.sub(link, part))
    return Markup("".join(out))


def link_code_words(html: Markup, href: Callable[[str], str | None]) -> Markup:
    """Each `<code>word</code>` of typeset prose whose word names a page (a file, a defined name)."""

    def link(m: re.Match) -> str:
        url = href(Markup(m.group(1)).unescape())
        return f'<a class="code-ref" href="{escape(url)}">{m.group()}</a>' if url else m.group()

    return Markup(re.sub(r"<code>([^<]+)</code>", link, str(html)))
