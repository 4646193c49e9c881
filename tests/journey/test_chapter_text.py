"""A chapter's prose, code lines, inline notes and line roles, on small hand-written files."""

from __future__ import annotations

from journey_app.journey import Paragraph, line_roles, parse_source

SAMPLE = """\
/*G:010
 * First sentence here.  Second one.
 *
 * The stack looks like this:
 *   old address
 *   old flags
 *
 * Last paragraph.
 */
ENTRY(f)
\t/* Why the next line matters. */
\tmovl $1, %eax
\t.byte 0x0f /* trailing, part of the code line */

\tret
/*:*/
"""


def only_chapter(text: str, file: str = "t.S"):
    [chapter] = parse_source(text, file, "9.9").chapters
    return chapter


def test_text_strips_marker_leaders_and_delimiters():
    chapter = only_chapter(SAMPLE)

    assert chapter.text == (
        "First sentence here. Second one.\n\nThe stack looks like this:\n\nold address\nold flags\n\nLast paragraph."
    )


def test_indented_comment_lines_become_a_pre_paragraph():
    chapter = only_chapter(SAMPLE)

    assert chapter.paragraphs[2] == Paragraph("pre", "old address\nold flags")


def test_paragraph_kinds_follow_blank_lines_and_indentation():
    chapter = only_chapter(SAMPLE)

    assert [p.kind for p in chapter.paragraphs] == ["prose", "prose", "pre", "prose"]


def test_prose_lines_are_joined_into_one_line():
    chapter = only_chapter("/*G:010\n * one\n * two\n */\n")

    assert chapter.text == "one two"


def test_close_colon_is_not_part_of_the_text():
    chapter = only_chapter("/*M:004\n * The end.\n:*/\n")

    assert chapter.text == "The end."


def test_prose_on_the_marker_line_is_kept():
    chapter = only_chapter("/*H:000 One line of prose. :*/\n")

    assert chapter.text == "One line of prose."


def test_title_is_the_first_sentence_without_its_full_stop():
    chapter = only_chapter(SAMPLE)

    assert chapter.title == "First sentence here"


def test_title_does_not_stop_at_ie():
    chapter = only_chapter("/*G:010\n * Set it (ie. on) now.  More.\n */\n")

    assert chapter.title == "Set it (ie. on) now"


def test_long_title_is_cut_at_a_word_with_an_ellipsis():
    chapter = only_chapter("/*G:010\n * " + "word " * 40 + "end.\n */\n")

    assert (len(chapter.title) <= 80, chapter.title.endswith("word…")) == (True, True)


def test_code_lines_exclude_comments_blanks_and_delimiters():
    chapter = only_chapter(SAMPLE)

    assert chapter.code_lines == (10, 12, 13, 15)


def test_note_applies_to_the_next_code_line():
    chapter = only_chapter(SAMPLE)

    assert [(n.start_line, n.end_line, n.text, n.applies_to) for n in chapter.notes] == [
        (11, 11, "Why the next line matters.", 12)
    ]


def test_note_with_no_code_after_it_applies_to_nothing():
    chapter = only_chapter("/*G:010\n */\n\tret\n\t/* the end */\n")

    assert chapter.notes[0].applies_to is None


def test_slug_stage_name_and_json():
    chapter = only_chapter(SAMPLE)

    assert (chapter.slug, chapter.stage_name, chapter.to_json()["code_lines"]) == ("G-010", "Guest", [10, 12, 13, 15])


def test_line_roles_cover_every_line():
    parsed = parse_source(SAMPLE + "\n/* after */\n.global x\n", "t.S", "9.9")

    roles = [(r.chapter, r.role) for r in line_roles(parsed)]

    assert roles == (
        [("G:010", "commentary")] * 9
        + [("G:010", "code"), ("G:010", "note"), ("G:010", "code"), ("G:010", "code"), ("G:010", "blank")]
        + [("G:010", "code"), ("G:010", "delimiter"), (None, "blank"), (None, "comment"), (None, "code")]
    )


def test_line_roles_without_chapters_give_no_owner():
    parsed = parse_source(SAMPLE, "t.S", "9.9")

    assert {r.chapter for r in line_roles(parsed, ())} == {None}


def test_c_string_holding_comment_opener_is_code():
    chapter = only_chapter('/*L:010\n * Prose.\n */\nchar *s = "/* not a note";\nint x; // tail\n', "t.c")

    assert (chapter.code_lines, chapter.notes) == ((4, 5), ())


def test_c_line_comment_on_its_own_line_is_a_note():
    chapter = only_chapter("/*L:010\n * Prose.\n */\n// Why.\nint x;\n", "t.c")

    assert [(n.text, n.applies_to) for n in chapter.notes] == [("Why.", 5)]


def test_comment_before_code_on_the_same_line_is_a_note_about_that_line():
    chapter = only_chapter("/*G:010\n */\n\t/* why */ movl $1, %eax\n")

    assert [(n.start_line, n.applies_to) for n in chapter.notes] == [(3, 3)]


def test_note_closed_by_the_chapter_close_drops_the_colon():
    chapter = only_chapter("/*G:010\n */\n\tret\n\t/* the end\n\t * really:*/\n")

    assert [n.text for n in chapter.notes] == ["the end really"]
