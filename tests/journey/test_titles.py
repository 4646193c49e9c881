"""Short chapter titles from titles.toml: every chapter of the bundled content has one, the kernel text is not
touched, and a broken titles file is reported without hiding a single chapter."""

from __future__ import annotations

import tomllib

from journey_app import paths
from journey_app.journey import Library
from journey_app.journey.titles import FILE, MAX_LENGTH

KERNEL = "2.6.31"


def test_every_bundled_chapter_has_a_short_title():
    library = Library(paths.bundled_content_root())
    titles = tomllib.loads((paths.bundled_content_root() / "kernels" / KERNEL / FILE).read_text())
    ids = {c.id for c in library.chapters(KERNEL)}
    assert set(titles) == ids
    assert all(0 < len(t) <= MAX_LENGTH for t in titles.values())
    assert {c.id: c.title for c in library.chapters(KERNEL)} == titles


def test_a_bad_titles_file_is_reported_and_the_chapters_keep_their_first_sentences(tmp_path):
    version = tmp_path / "kernels" / "1"
    (version / "arch").mkdir(parents=True)
    (version / "arch" / "a.S").write_text("/*G:001 Hello there. More words\n */\n")
    (version / FILE).write_text('"G:001" = ""\n"nonsense" = "x"\n')

    library = Library(tmp_path)

    assert [c.title for c in library.chapters("1")] == ["Hello there"]
    assert len([e for e in library.errors("1") if FILE in e.message]) == 2


def test_a_title_applies_and_changes_the_content_hash(tmp_path):
    version = tmp_path / "kernels" / "1"
    (version / "arch").mkdir(parents=True)
    (version / "arch" / "a.S").write_text("/*G:001 Hello there.\n */\n")
    before = Library(tmp_path).content_hash("1")
    (version / FILE).write_text('"G:001" = "Greetings"\n')
    library = Library(tmp_path)
    assert library.chapter("1", "G:001").title == "Greetings"
    assert library.content_hash("1") != before
