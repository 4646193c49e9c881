"""The "In the explorer" notes (content/kernels/2.6.31/model_notes.toml): each cites kernel lines that lie inside
the named function (Universal Ctags) and inside the note's chapter, names tests that exist, and offers a run
the real emulator replays without error. Issue 13's eight edges each have one, on the chapter where they show.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from journey_app.index.ctags import run_ctags
from journey_app.index.store import chapter_locator
from journey_app.journey import Library
from journey_app.journey.model_notes import FILE, load_model_notes
from journey_app.settings import Settings

from .conftest import VERSION

LIBRARY = Library(Settings().content_root)
NOTES, PROBLEMS = load_model_notes(LIBRARY.version_dir(VERSION))
BY_ID = {note.id: note for note in NOTES}
REPO = Path(__file__).resolve().parents[2]

# Issue 13's edges, each on the chapter whose code the model follows there.
EDGES = {
    "syscall-gate": "H:240",      # 1. int $0x80 through the Guest's trap gate: copy_traps(), the real eflags
    "software-int": "H:230",      # 2. int $n through a DPL 0 gate is #GP(n*8+2): default_idt_entry()
    "port-io": "H:130",           # 3. in/out at ring 1 trap and are emulated: emulate_insn()
    "real-if": "L:030",           # 4. the Guest never runs with IF=0: lguest_arch_setup_regs()
    "shutdown-restart": "H:120",  # 5. LGUEST_SHUTDOWN_RESTART: dead = ERR_PTR(-ERESTART)
    "gp-vmcall": "H:050",         # 6. #GP with errcode != 0 falls through to is_hypercall()
    "gate-types": "H:235",        # 7. a type 0xC gate is not a trap gate: set_trap()
    "init-text": "G:020",         # 7. .init.text decoded where it runs, at physical addresses
    "kick": "H:205",              # 8. set_interrupt() kicks the Guest
}
CITED = sorted(note.id for note in NOTES if note.cites is not None)
TRIED = sorted(note.id for note in NOTES if note.try_run is not None)


@pytest.fixture(scope="module")
def extents():
    files = sorted({note.cites.file for note in NOTES if note.cites is not None})
    found: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for d in run_ctags(LIBRARY.version_dir(VERSION), files):
        if d.kind == "function":
            found.setdefault((d.file, d.name), []).append((d.line, d.end_line))
    return found


def test_the_bundled_file_loads_without_problems():
    assert PROBLEMS == [] and not [e for e in LIBRARY.errors(VERSION) if FILE in e.message]


@pytest.mark.parametrize("note_id", sorted(EDGES))
def test_each_edge_of_issue_13_has_a_note_on_its_chapter(note_id):
    assert BY_ID[note_id].chapter == EDGES[note_id]
    assert BY_ID[note_id] in LIBRARY.model_notes(VERSION, EDGES[note_id])


@pytest.mark.parametrize("note_id", CITED)
def test_cited_lines_lie_inside_the_named_function_and_the_notes_chapter(note_id, extents):
    cites = BY_ID[note_id].cites
    assert cites is not None
    lines = LIBRARY.source(VERSION, cites.file).split("\n")
    chapter_of = chapter_locator(LIBRARY.chapters(VERSION))

    assert 1 <= cites.first <= cites.last <= len(lines)
    assert any(start <= cites.first and cites.last <= end for start, end in extents[(cites.file, cites.function)])
    assert chapter_of(cites.file, cites.first) == chapter_of(cites.file, cites.last) == BY_ID[note_id].chapter


@pytest.mark.parametrize("note_id", sorted(BY_ID))
def test_every_named_test_exists(note_id):
    for test_id in BY_ID[note_id].tests:
        path, name = test_id.split("::")
        tree = ast.parse((REPO / path).read_text())
        names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert name in names, test_id


@pytest.mark.parametrize("note_id", TRIED)
def test_the_try_run_replays_on_a_chapter_of_its_scenario(note_id, run, catalog):
    tried = BY_ID[note_id].try_run
    assert tried is not None
    from journey_app.runs import load_scenario

    scenario = load_scenario(catalog.content_root, VERSION, tried.scenario)
    result = run(tried.scenario, tried.actions)

    assert tried.chapter in scenario.chapters        # the page lists it without widening to every scenario
    assert not [e for e in result.events if e.kind == "error"]


BAD = [
    ('[[note]]\nid = "x"\n', "chapter must be a chapter id"),
    ('[[note]]\nid = "x"\nchapter = "H:205"\n', "title must be text"),
    ('[[note]]\nid = "Bad Id"\nchapter = "H:205"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\n',
     "id must be a slug"),
    ('[[note]]\nid = "a"\nchapter = "H205"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\n',
     "chapter must be a chapter id"),
    ('[[note]]\nid = "a"\nchapter = "H:205"\ntitle = "t"\ntext = "t"\ntests = []\n', "tests must list"),
    ('[[note]]\nid = "a"\nchapter = "H:205"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\nsee = 1\n',
     "unknown keys"),
    ('[[note]]\nid = "a"\nchapter = "H:205"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\n'
     'cites = { file = "../etc/passwd", function = "f", first = 1, last = 2 }\n', "file must be a kernel path"),
    ('[[note]]\nid = "a"\nchapter = "H:205"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\n'
     'cites = { file = "drivers/lguest/core.c" }\n', "cites must be"),
    ('[[note]]\nid = "a"\nchapter = "H:205"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\n'
     'cites = { file = "drivers/lguest/core.c", function = "f", first = 9, last = 2 }\n', "first <= last"),
    ('[[note]]\nid = "a"\nchapter = "H:205"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\n'
     'try = { chapter = "G:033", scenario = "../x" }\n', "scenario must be"),
    ("note = 3\n", "array of tables"),
    ("[[note\n", "model_notes.toml:"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_a_bad_note_is_a_content_problem_naming_it(tmp_path, text, message):
    (tmp_path / FILE).write_text(text)
    notes, problems = load_model_notes(tmp_path)

    assert notes == () and len(problems) == 1
    assert message in problems[0].message and problems[0].message.startswith(FILE)


def test_a_note_for_a_chapter_that_is_not_there_costs_that_note_only(tmp_path):
    good = '[[note]]\nid = "{id}"\nchapter = "{chapter}"\ntitle = "t"\ntext = "t"\ntests = ["tests/a.py::test_b"]\n'
    version = tmp_path / "kernels" / "9.9"
    (version / "arch" / "x86").mkdir(parents=True)
    (version / "arch" / "x86" / "a.S").write_text("/*G:001 Hello. */\nnop\n")
    (version / FILE).write_text(good.format(id="here", chapter="G:001") + good.format(id="gone", chapter="H:999")
                                + good.format(id="here", chapter="G:001"))
    library = Library(tmp_path)

    assert [n.id for n in library.model_notes("9.9", "G:001")] == ["here"]
    messages = [e.message for e in library.errors("9.9")]
    assert any("'gone' is for H:999" in m for m in messages)
    assert any("'here' is used twice" in m for m in messages)
