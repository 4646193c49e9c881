"""`journey extract` and `journey beer` against the kernel's own reader, run for real.

The oracle is the bundled Documentation/lguest/extract run with `sh` from drivers/lguest, with the
file list `make <Stage>` builds (`find ../../* -name '*.[chS]' -wholename '*lguest*'`), and
`make -s Beer` itself; both are compared byte for byte with what the product prints.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from journey_app.cli import main
from journey_app.errors import ContentError
from journey_app.journey.extract import BEER_START, beer, extract, makefile_files, read_files
from journey_app.journey.model import STAGES
from journey_app.settings import Settings

VERSION_DIR = Settings().content_root / "kernels" / "2.6.31"
MAKE_DIR = VERSION_DIR / "drivers" / "lguest"
# The script's glob sorts its temp files by the collating order; C makes it byte order, as here.
ENV = {**os.environ, "LC_ALL": "C"}


@pytest.fixture(scope="module")
def make_beer() -> bytes:
    """`make -s Beer`: the Makefile runs `make -s <Stage>`, i.e. `sh extract <LETTER> <find's list>`,
    for each stage between banners. The script forks sed per line, so it runs once for all tests."""
    return subprocess.run(["make", "-s", "Beer"], cwd=MAKE_DIR, env=ENV, check=True, capture_output=True).stdout


def script_output(make_beer: bytes, letter: str) -> bytes:
    """One stage's extract output: the bytes between its banner and the next."""
    start = make_beer.index(BEER_START.encode() % STAGES[letter].encode())
    start = make_beer.index(b"\n", start) + 1
    return make_beer[start:make_beer.index(b"{==-", start)]


@pytest.fixture(scope="module")
def files():
    return read_files(VERSION_DIR, makefile_files(VERSION_DIR))


@pytest.mark.slow
@pytest.mark.parametrize("letter", list(STAGES))
def test_extract_prints_what_the_kernel_script_prints(letter, files, make_beer):
    expected = script_output(make_beer, letter)

    assert expected.startswith(b"[ ") and extract(letter, files) == expected


@pytest.mark.slow
def test_beer_prints_what_make_beer_prints(files, make_beer):
    assert beer(files) == make_beer


@pytest.mark.slow
def test_one_stage_run_alone_is_the_same_as_in_beer(make_beer):
    command = "sh ../../Documentation/lguest/extract S `find ../../* -name '*.[chS]' -wholename '*lguest*'`"
    alone = subprocess.run(["sh", "-c", command], cwd=MAKE_DIR, env=ENV, check=True, capture_output=True).stdout

    assert alone == script_output(make_beer, "S")


def test_file_list_is_the_makefiles(files):
    listed = subprocess.run(["sh", "-c", "find ../../* -name '*.[chS]' -wholename '*lguest*'"], cwd=MAKE_DIR,
                            env=ENV, check=True, capture_output=True, text=True).stdout.split()

    assert sorted(name.removeprefix("../../") for name in listed) == [name for name, _ in files]


def test_cli_extract_writes_the_bytes(capsysbinary, files):
    assert main(["extract", "S"]) == 0

    assert capsysbinary.readouterr().out == extract("S", files)


def test_cli_beer_starts_with_preparation(capsysbinary):
    assert main(["beer"]) == 0

    out = capsysbinary.readouterr().out
    assert out.startswith(b"{==- Preparation -==}\n[ arch/x86/lguest/boot.c ]\n") and out.endswith(b"{==-==}\n")


# -- the script's quirks, on small inputs ----------------------------------------------------------


def test_marker_line_close_does_not_close_the_chunk():
    text = b"/*G:010 one :*/\nstill open\n/*:*/\nlost\n"

    assert extract("G", [("a.S", text)]) == b"[ a.S ]\n/* one */\nstill open\n\n\n"  # `/*:*/` prints as "" plus a blank


def test_number_comes_from_the_last_marker_on_the_line():
    assert extract("G", [("a.S", b"G:1 and G:2\n")]) == b"[ a.S ]\n and G:2\n\n"


def test_unterminated_last_line_is_not_read():
    assert extract("G", [("a.S", b"/*G:1\nkept\nlost")]) == b"[ a.S ]\n/*\nkept\n\n"


def test_repeated_number_stops_like_the_script():
    with pytest.raises(ContentError, match="already exists"):
        extract("G", [("a.S", b"/*G:1\n"), ("b.S", b"/*G:1\n")])
