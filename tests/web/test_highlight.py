"""highlight.py: one balanced HTML fragment per line, the generated colour sheet, prose typesetting."""

from __future__ import annotations

import re

from journey_app import paths
from journey_app.web.pages.highlight import comment_line_html, highlight_lines, stylesheet, typeset_prose

SOURCE = """#include <asm/x.h>
/*G:001
 * Two lines of comment.
 */
#define M(a)\\
\tmovl a, %eax
\tmovl $0, lguest_data+4 /* trailing */

"""


def test_one_fragment_per_line_with_comment_state_kept_across_lines():
    lines = highlight_lines(SOURCE, "x.S")
    assert len(lines) == SOURCE.count("\n")
    assert lines[0].startswith('<span class="cp">#include')
    assert all('class="cm"' in lines[n] for n in (1, 2, 3))
    assert 'class="cp"' in lines[5]  # the #define's continuation line
    assert '<span class="mi">$0</span>' in lines[6] and '<span class="o">+</span>' in lines[6]
    assert 'class="err"' not in "".join(lines)
    for fragment in lines:
        assert fragment.count("<span") == fragment.count("</span>")


def test_leading_blank_lines_do_not_shift_line_numbers():
    lines = highlight_lines("\n\n\tret\n", "y.S")
    assert len(lines) == 3 and "ret" in lines[2]


def test_the_colour_sheet_is_the_generated_one():
    css = (paths.static_root() / "css" / "pygments.css").read_text()
    assert css == stylesheet(), "regenerate: python -m journey_app.web.pages.highlight > static/css/pygments.css"
    assert "prefers-color-scheme: dark" in css


def test_comment_lines_split_marks_from_words():
    html = comment_line_html("\t * The <reverse> of irq_disable")
    assert html == '\t * <span class="ct">The &lt;reverse&gt; of irq_disable</span>'
    assert comment_line_html("  /* Closing words */") == '  /* <span class="ct">Closing words</span> */'
    assert comment_line_html(" */") == " */"


def test_spans_of_one_class_split_by_whitespace_are_one_span():
    lines = highlight_lines("static unsigned long f(int a) { return a + 1 + 2; }\n", "x.c")
    assert '<span class="kt">unsigned long</span>' in lines[0]
    assert '<span class="mi">1</span> <span class="o">+</span> <span class="mi">2</span>' in lines[0]  # not one class
    assert re.sub(r"<[^>]+>", "", lines[0]) == "static unsigned long f(int a) { return a + 1 + 2; }"


def test_ink_coloured_tokens_carry_no_span():
    lines = highlight_lines("static void f(int a) { g(a); }\n", "x.c")
    assert 'class="p"' not in lines[0] and 'class="n"' not in lines[0]
    assert '<span class="nf">f</span>(<span class="kt">int</span> a) { g(a); }' in lines[0]


def test_prose_is_escaped_and_typeset():
    html = typeset_prose('Use "iret" on <b>it</b>, %eax\'s lguest_data.irq_enabled; it\'s *cool*. See \'hardware_subarch\'.')
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "<code>%eax</code>’s" in html
    assert "“iret”" in html and "it’s" in html
    assert "<code>lguest_data.irq_enabled</code>" in html
    assert "<em>cool</em>" in html
    assert "‘<code>hardware_subarch</code>’" in html


def test_a_comment_lines_words_are_never_linked_as_code_names():
    from journey_app.web.pages.linking import link_code

    line = comment_line_html(" * lguest_data holds the interrupt state */")
    assert link_code(line, {"lguest_data"}, lambda name: f"/x/{name}") == line
    code = highlight_lines("\tmovl lguest_data, %eax\n", "a.S")[0]
    assert '<a class="xr" href="/x/lguest_data">lguest_data</a>' in link_code(code, {"lguest_data"}, lambda name: f"/x/{name}")
