"""The content index on small inputs: comments and strings are not uses, the query never reaches FTS5 as
syntax, and an index is built once per content hash and then loaded from disk."""

from __future__ import annotations

import pytest

from journey_app.errors import BadInput
from journey_app.index import IndexStore
from journey_app.index.ctags import Definition
from journey_app.index.search import MAX_QUERY_CHARS, fts_query, terms_of
from journey_app.index.xref import build_xref, code_only
from journey_app.journey import Library


def test_comments_and_strings_are_blanked_but_lines_kept():
    text = 'a /* b\n c */ d "e /* f" // g\nh'

    assert code_only(text) == 'a \n d "" \nh'


def test_uses_are_code_tokens_not_the_definition_line():
    defs = [Definition("foo", "function", "x.c", 1, 3)]
    texts = {"x.c": "int foo(void)\n{ /* foo */ }\nbar(foo); foo();\n"}

    xref = build_xref(defs, texts, lambda file, line: "H:001" if line == 3 else None)

    assert [(u.line, u.chapter) for u in xref.uses["foo"]] == [(3, "H:001")]


@pytest.mark.parametrize("query,terms", [('"', ()), ("AND", ("AND",)), ("NEAR(a b", ("NEAR", "a", "b")),
                                         ("lguest_data.irq_enabled", ("lguest_data", "irq_enabled")),
                                         ("a a A", ("a",)), ("x:y*", ("x", "y"))])
def test_terms_are_words_only(query, terms):
    assert terms_of(query) == terms


def test_every_term_is_a_quoted_prefix():
    assert fts_query(("AND", 'a"b')) == '"AND"* AND "a""b"*'


def test_a_long_query_is_bad_input():
    with pytest.raises(BadInput):
        terms_of("x" * (MAX_QUERY_CHARS + 1))


def test_index_is_built_once_then_loaded_from_the_cache(tmp_path, make_root):
    root = make_root({"kernels/1/arch/a.S": "/*G:010\n * Calls lguest_foo.\n */\nlguest_foo:\n\tjmp lguest_foo\n"})
    library = Library(root)

    built = IndexStore(tmp_path).get(library, "1")
    again = IndexStore(tmp_path).get(library, "1")

    assert (built.origin, again.origin) == ("built", "cache")
    assert [(u.file, u.line, u.chapter) for u in again.xref.uses["lguest_foo"]] == [("arch/a.S", 5, "G:010")]
    assert {h.ref for h in again.search("lguest_foo").hits} >= {"lguest_foo", "G:010"}
