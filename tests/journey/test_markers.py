"""Chapter extents by the extract script's rules, on small hand-written files."""

from __future__ import annotations

from journey_app.errors import ContentError
from journey_app.journey.markers import find_chunks, split_lines


def extents(text: str) -> list[tuple[str, int, int]]:
    chunks, _errors = find_chunks(split_lines(text), "t.S")
    return [(c.id, c.start_line, c.end_line) for c in chunks]


def errors_of(text: str) -> list[ContentError]:
    return list(find_chunks(split_lines(text), "t.S")[1])


def test_chapter_runs_to_and_includes_its_close_line():
    text = "/*G:010\n * prose\n */\n\tret\n/*:*/\n"

    assert extents(text) == [("G:010", 1, 5)]


def test_a_close_on_the_comment_end_closes_the_chapter():
    text = "/*M:004\n * prose\n:*/\n\tret\n"

    assert extents(text) == [("M:004", 1, 3)]


def test_lines_after_a_close_belong_to_no_chapter():
    text = "/*G:010\n */\n/*:*/\n.global a\n/*G:020\n */\n"

    assert extents(text) == [("G:010", 1, 3), ("G:020", 5, 6)]


def test_next_marker_ends_the_open_chapter_at_the_line_before():
    text = "/*G:010\n */\n\tret\n/*G:020\n */\n"

    assert extents(text) == [("G:010", 1, 3), ("G:020", 4, 5)]


def test_implicit_end_leaves_trailing_blank_lines_to_no_chapter():
    text = "/*G:010\n */\n\tret\n\n\n/*G:020\n */\n"

    assert extents(text)[0] == ("G:010", 1, 3)


def test_unterminated_chapter_runs_to_end_of_file_without_error():
    text = "/*G:045\n */\n\tiret\nlguest_noirq_end:\n"

    assert (extents(text), errors_of(text)) == ([("G:045", 1, 4)], [])


def test_marker_line_with_close_does_not_close_its_own_chapter():
    # extract rule 1: "/*H:000 text :*/" starts chunk 000 and leaves it open.
    text = "/*H:000 One line of prose. :*/\n\tmovl %eax, %ebx\n/*:*/\n"

    assert extents(text) == [("H:000", 1, 3)]


def test_close_without_open_chapter_is_ignored():
    text = "/*:*/\n/*G:010\n */\n"

    assert extents(text) == [("G:010", 2, 3)]


def test_all_seven_letters_are_markers():
    text = "".join(f"/*{letter}:00{i}\n */\n" for i, letter in enumerate("PGDLHSM"))

    assert [chunk_id for chunk_id, _, _ in extents(text)] == ["P:000", "G:001", "D:002", "L:003", "H:004", "S:005", "M:006"]


def test_other_letters_are_not_markers():
    text = "/*X:010\n */\n"

    assert extents(text) == []


def test_number_digits_are_kept_as_written():
    chunks, _ = find_chunks(split_lines("/*G:33\n */\n"), "t.S")

    assert (chunks[0].id, chunks[0].number) == ("G:33", 33)


def test_marker_without_number_is_an_error_naming_file_and_line():
    text = "\tret\n/*G: forgot the number\n */\n"

    [error] = errors_of(text)

    assert (error.detail, "t.S:2" in error.message) == ({"file": "t.S", "line": 2}, True)


def test_marker_without_number_starts_no_chapter_and_ends_the_open_one():
    text = "/*G:010\n */\n\tret\n/*G: oops\n * prose\n */\n"

    assert extents(text) == [("G:010", 1, 3)]


def test_colons_in_ordinary_code_are_not_flagged():
    text = "\tmovl %eax,%ss:lguest_data\n\ttestl $0, G:\n/* S: the stack */\nlabel_G:\n"

    assert (extents(text), errors_of(text)) == ([], [])


def test_two_different_markers_on_one_line_are_an_error():
    text = "/*G:010 see also H:020\n */\n"

    [error] = errors_of(text)

    assert error.detail == {"file": "t.S", "line": 1}


def test_split_lines_keeps_form_feeds_inside_lines():
    # str.splitlines() would split at \f and shift every later line number.
    assert split_lines("a\fb\nc\r\n") == ["a\fb", "c"]
