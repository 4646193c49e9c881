"""Library over throw-away content roots: versions, lookups, sources, errors, caching."""

from __future__ import annotations

import os

import pytest

from journey_app.errors import ContentError, NotFound
from journey_app.journey import Library

from .conftest import HEAD, KERNEL

GOOD = "/*G:010\n * Prose.\n */\n\tret\n/*:*/\n"


def test_versions_sort_naturally(make_root):
    root = make_root({f"kernels/{v}/arch/a.S": GOOD for v in ("2.6.9", "3.0", "2.6.31")})

    assert Library(root).versions() == ["2.6.9", "2.6.31", "3.0"]


def test_missing_kernels_folder_means_no_versions(tmp_path):
    assert Library(tmp_path / "nothing").versions() == []


def test_a_dropped_in_version_shows_up_with_its_chapters(make_root, bundled):
    root = make_root({"kernels/2.6.32/arch/x86/lguest/i386_head.S": bundled.source(KERNEL, HEAD)})
    library = Library(root)
    make_root({"kernels/2.6.33/arch/x86/lguest/i386_head.S": "/*G:099\n * New.\n */\n"})

    assert (library.versions(), [c.id for c in library.chapters("2.6.33")]) == (["2.6.32", "2.6.33"], ["G:099"])


def test_chapters_come_from_the_kernel_tree_not_standins_or_glue(make_root):
    root = make_root({
        "kernels/1/arch/a.S": "/*G:010\n */\n",
        "kernels/1/drivers/lguest/core.c": "/*H:010\n */\n",
        "kernels/1/Documentation/lguest/lguest.c": "/*L:010\n */\n",
        "kernels/1/include/linux/lguest.h": "/*G:031\n */\n",
        "kernels/1/standins/linux/lguest.h": "/*G:032\n */\n",
        "kernels/1/glue/boot.S": "/*G:090\n */\n",
        "kernels/1/arch/notes.txt": "/*G:091\n */\n",
    })

    assert Library(root).files("1") == ["Documentation/lguest/lguest.c", "arch/a.S", "drivers/lguest/core.c",
                                        "include/linux/lguest.h"]


def test_journey_order_is_stage_then_number_across_files(make_root):
    root = make_root({
        "kernels/1/arch/a.S": "/*M:001\n */\n/*G:020\n */\n",
        "kernels/1/drivers/b.c": "/*H:005\n */\n/*G:010\n */\n/*S:001\n */\n/*P:900\n */\n",
    })

    assert [c.id for c in Library(root).chapters("1")] == ["P:900", "G:010", "G:020", "H:005", "S:001", "M:001"]


def test_file_order_is_path_then_line(make_root):
    root = make_root({"kernels/1/arch/b.S": "/*G:001\n */\n", "kernels/1/arch/a.S": "/*G:003\n */\n/*G:002\n */\n"})

    assert [c.id for c in Library(root).chapters_in_file_order("1")] == ["G:003", "G:002", "G:001"]


@pytest.mark.parametrize("ref", ["G:033", "g:033", "G-033", "g-33", "G033", "g33", "G:33", "g_033", "G 33"])
def test_chapter_lookup_accepts_id_and_slug_forms(bundled, ref):
    assert bundled.chapter(KERNEL, ref).id == "G:033"


@pytest.mark.parametrize("ref", ["G:999", "X:033", "G0x33", "", "G:033/../x", "G::033"])
def test_unknown_chapter_is_not_found(bundled, ref):
    with pytest.raises(NotFound):
        bundled.chapter(KERNEL, ref)


@pytest.mark.parametrize("call", ["chapters", "chapters_in_file_order", "files", "errors"])
def test_unknown_version_is_not_found(bundled, call):
    with pytest.raises(NotFound):
        getattr(bundled, call)("9.9.9")


def test_version_name_cannot_climb_out(bundled):
    with pytest.raises(NotFound):
        bundled.chapters("../kernels/2.6.31")


def test_source_returns_the_file_text(bundled, head_text):
    assert bundled.source(KERNEL, HEAD) == head_text


def test_source_serves_glue_files_too(bundled):
    assert "lguest" in bundled.source(KERNEL, "glue/journey.ld")


@pytest.mark.parametrize(
    "file",
    ["arch/x86/lguest/nope.S", "../../../pyproject.toml", "arch/../../2.6.31/arch/x86/lguest/i386_head.S",
     "/etc/passwd", "arch", "arch\\x86", "arch/x86/lguest/i386_head.S\0", "",
     # one name per file: no "." parts, doubled or trailing slashes
     "arch/./x86/lguest/i386_head.S", "./arch/x86/lguest/i386_head.S", "arch//x86/lguest/i386_head.S",
     "arch/x86/lguest/i386_head.S/"],
)
def test_source_refuses_unknown_or_escaping_paths(bundled, file):
    with pytest.raises(NotFound):
        bundled.source(KERNEL, file)


def test_source_refuses_symlink_leaving_the_version(make_root, tmp_path):
    secret = tmp_path / "secret.S"
    secret.write_text("/*G:001\n */\n")
    root = make_root({"kernels/1/arch/a.S": GOOD})
    os.symlink(secret, root / "kernels/1/arch/link.S")

    with pytest.raises(NotFound):
        Library(root).source("1", "arch/link.S")


def test_symlink_leaving_the_version_is_not_a_chapter_file(make_root, tmp_path):
    secret = tmp_path / "secret.S"
    secret.write_text("/*G:001\n */\n")
    root = make_root({"kernels/1/arch/a.S": GOOD})
    os.symlink(secret, root / "kernels/1/arch/link.S")
    library = Library(root)

    assert (library.files("1"), [e.detail["file"] for e in library.errors("1")]) == (["arch/a.S"], ["arch/link.S"])


def test_duplicate_number_in_one_file_is_an_error_naming_both_places(make_root):
    root = make_root({"kernels/1/arch/a.S": "/*G:033\n */\n\tret\n/*G:033\n */\n"})

    [error] = Library(root).errors("1")

    assert (error.message, error.detail) == (
        "arch/a.S:4: G:033 already defined at arch/a.S:1",
        {"file": "arch/a.S", "line": 4},
    )


def test_duplicate_across_files_keeps_the_first(make_root):
    root = make_root({"kernels/1/arch/a.S": "/*G:033\n * First.\n */\n", "kernels/1/arch/b.S": "/*G:33\n * Second.\n */\n"})
    library = Library(root)

    assert (library.chapter("1", "G:033").text, len(library.errors("1"))) == ("First.", 1)


def test_duplicate_chapter_lines_belong_to_no_chapter(make_root):
    root = make_root({"kernels/1/arch/a.S": "/*G:033\n */\n/*G:033\n */\n"})

    roles = Library(root).line_roles("1", "arch/a.S")

    assert [r.chapter for r in roles] == ["G:033", "G:033", None, None]


def test_marker_without_number_reports_file_and_line(make_root):
    root = make_root({"kernels/1/arch/a.S": "\tret\n/*G:\n * Prose.\n */\n"})

    [error] = Library(root).errors("1")

    assert (isinstance(error, ContentError), error.detail, error.message.startswith("arch/a.S:2:")) == (
        True,
        {"file": "arch/a.S", "line": 2},
        True,
    )


def test_unterminated_chapter_at_end_of_file_is_not_an_error(make_root):
    root = make_root({"kernels/1/arch/a.S": "/*G:045\n * Prose.\n */\n\tiret\n"})

    assert Library(root).errors("1") == []


def test_broken_file_does_not_stop_the_others(make_root):
    root = make_root({"kernels/1/arch/bad.S": "/*G:010\n */\n/*G:\n", "kernels/1/arch/good.S": "/*G:020\n */\n"})
    library = Library(root)

    assert ([c.id for c in library.chapters("1")], [e.detail for e in library.errors("1")]) == (
        ["G:010", "G:020"],
        [{"file": "arch/bad.S", "line": 3}],
    )


def test_binary_file_is_a_content_error_not_a_crash(make_root):
    root = make_root({"kernels/1/arch/blob.S": b"\x7fELF\n\x00\x01\x02", "kernels/1/arch/good.S": GOOD})
    library = Library(root)

    assert ([c.id for c in library.chapters("1")], [e.detail for e in library.errors("1")]) == (
        ["G:010"],
        [{"file": "arch/blob.S", "line": 2}],
    )


def test_dangling_symlink_is_a_content_error(make_root):
    root = make_root({"kernels/1/arch/good.S": GOOD})
    os.symlink(root / "kernels/1/arch/gone.S", root / "kernels/1/arch/dangling.S")

    assert [e.detail["file"] for e in Library(root).errors("1")] == ["arch/dangling.S"]


def test_latin1_file_still_loads(make_root):
    root = make_root({"kernels/1/arch/a.c": "/*G:010\n * Caf\xe9.\n */\n".encode("latin-1")})

    assert Library(root).chapter("1", "G:010").text == "Caf\xe9."


def test_edited_file_is_parsed_again(make_root):
    root = make_root({"kernels/1/arch/a.S": GOOD})
    library = Library(root, recheck_seconds=0)
    library.chapters("1")
    path = root / "kernels/1/arch/a.S"
    path.write_text("/*G:011\n * Edited, and longer.\n */\n")
    os.utime(path, ns=(1, 1))

    assert [c.id for c in library.chapters("1")] == ["G:011"]


def test_unchanged_files_are_served_from_the_cache(make_root):
    root = make_root({"kernels/1/arch/a.S": GOOD})
    library = Library(root)

    assert library.chapters("1")[0] is library.chapters("1")[0]


def test_libraries_share_a_parse_only_of_the_same_file_state(make_root):
    # A parse is a pure function of the file (journey.library._PARSED): a second Library over the same,
    # unchanged file reuses it; an edited file (another mtime or size) is parsed again.
    root = make_root({"kernels/1/arch/a.S": GOOD})
    first = Library(root).chapters("1")[0]
    assert Library(root).chapters("1")[0] is first
    path = root / "kernels/1/arch/a.S"
    path.write_text(GOOD.replace("Prose.", "Verse."))           # the same size
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert Library(root).chapters("1")[0].text == "Verse."


def test_line_roles_of_a_glue_file_have_no_chapters(bundled):
    roles = bundled.line_roles(KERNEL, "glue/boot.S")

    assert (len(roles) > 0, {r.chapter for r in roles}) == (True, {None})


def test_line_roles_of_unknown_file_is_not_found(bundled):
    with pytest.raises(NotFound):
        bundled.line_roles(KERNEL, "arch/none.S")


def test_a_folder_without_kernel_text_is_not_a_version(tmp_path):
    import shutil

    from journey_app import paths
    from journey_app.journey import Library

    kernels = tmp_path / "kernels"
    shutil.copytree(paths.bundled_content_root() / "kernels" / "2.6.31", kernels / "2.6.31")
    (kernels / "9.9.99").mkdir()

    versions = Library(tmp_path).versions()

    assert versions == ["2.6.31"]


def test_the_folder_is_not_stat_ed_again_within_the_recheck_interval(make_root):
    root = make_root({"kernels/1/arch/a.S": GOOD})
    library = Library(root, recheck_seconds=3600)
    first = library.chapters("1")
    (root / "kernels/1/arch/a.S").write_text("/*G:011\n * Edited.\n */\n")

    assert [c.id for c in library.chapters("1")] == [c.id for c in first]
