"""Malformed content folders and lab files do not stop the site.

One scratch content root (a copy of the bundled one) carries every kind of damage an instructor can
cause at once: malformed chapter markers, binary files in arch/, a scenario with a TOML syntax error, a
lab with unknown keys and impossible checks, an empty kernel version folder, and a second kernel
version whose glue does not assemble. The site must start, stay healthy, list what is good, show what
is broken, answer broken parts with 4xx in the one error shape (never 500), and run the good scenarios.
A second root with an empty kernels/ folder must not stop the site either.
"""

from __future__ import annotations

from tests.support.errors import assert_error

import re
import shutil
from pathlib import Path

import pytest

from journey_app import paths
from journey_app.web import create_app
from tests.scale.servers import start_gunicorn

GOOD = "2.6.31"            # the bundled version, damaged in its markers and arch/ but still buildable
BAD_GLUE = "2.6.30"        # a copy of it whose glue/boot.S does not assemble
EMPTY = "2.6.32"           # an empty version folder (a half-finished copy); sorts newest
HEAD = "arch/x86/lguest/i386_head.S"
GOOD_CHAPTERS = ["G:020", "G:033", "G:045", "G:055", "M:004"]
GOOD_LABS = sorted(p.stem for p in (paths.bundled_content_root() / "labs").glob("*.toml"))   # every bundled lab
SOLUTION = {"actions": "raise_irq 1; host_check; run_until journey_done"}    # pending-restore-fl's


def break_content(root: Path) -> dict:
    """Damage a copy of the bundled content in place; returns where the damage is."""
    kernel = root / "kernels" / GOOD
    shutil.copytree(kernel, root / "kernels" / BAD_GLUE)
    shutil.copytree(root / "scenarios" / GOOD, root / "scenarios" / BAD_GLUE)

    head = kernel / HEAD
    text = head.read_text()
    first_bad = text.count("\n") + 2
    head.write_text(text + "\n/*G: a marker whose number was forgotten */\n"
                           "/* G:040 and G:041, two markers on one line */\n")

    (kernel / "arch/x86/lguest/garbage.c").write_bytes(b"\x7fELF\x01\x01\x00\x00" + bytes(range(256)) * 8)
    (kernel / "arch/x86/lguest/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))

    (root / "scenarios" / GOOD / "broken-syntax.toml").write_text(
        'id = "broken-syntax"\ntitle = "a string that never ends\nentry = \n')

    (root / "labs" / "bad-lab.toml").write_text("""\
id = "bad-lab"
title = "Unknown keys and impossible checks"
version = "2.6.31"
scenario = "g033-irq-enable-quiet"
chapters = ["G:033"]
instructions = "Nothing to do."
colour = "blue"

[[checks]]
id = "c1"
text = "points are not a number, the expectation is not in the vocabulary"
points = "many"
expect = {teleport = {to = "mars"}}
""")

    (root / "kernels" / EMPTY).mkdir()

    glue = root / "kernels" / BAD_GLUE / "glue" / "boot.S"
    glue.write_text(glue.read_text() + "\n\tthis is not an instruction %eax\n")
    return {"bad_marker_lines": (first_bad, first_bad + 1)}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    root = tmp_path_factory.mktemp("broken") / "content"
    shutil.copytree(paths.bundled_content_root(), root)
    return root, break_content(root)


@pytest.fixture(scope="module")
def client(broken, tmp_path_factory):
    app = create_app({"content_root": broken[0], "cache_dir": tmp_path_factory.mktemp("broken-cache"),
                      "grade_rate": 0})
    return app.test_client()


error_of = assert_error  # the one error shape, with the given status


def good_scenarios(root: Path, version: str) -> list[str]:
    return sorted(p.stem for p in (root / "scenarios" / version).glob("*.toml") if p.stem != "broken-syntax")


# -- the site starts and stays healthy ----------------------------------------------------------


def test_gunicorn_starts_on_broken_content_and_serves_the_good_parts(broken, tmp_path):
    # Arrange
    root, _ = broken
    # Act: the production server boots its worker on the broken root (start_gunicorn waits for /healthz)
    server = start_gunicorn("broken", tmp_path, {"JOURNEY_CONTENT": str(root)}, workers=1)
    try:
        health = server.get("/healthz")
        contents = server.get(f"/v/{GOOD}/")
        run = server.post_json("/api/run", {"scenario": "g033-irq-enable-quiet", "version": GOOD,
                                            "actions": "step 3"})
    finally:
        server.stop()
    # Assert
    assert health.status == 200 and health.json()["status"] == "ok"
    assert contents.status == 200
    assert run.status == 200 and run.json()["state"]["insn_count"] == 3


def test_no_page_or_api_route_answers_5xx_on_broken_content(client, broken):
    # Arrange: every page and API route, for every version folder, including the broken files.
    _root, _ = broken
    versions = [GOOD, BAD_GLUE, EMPTY]
    urls = ["/healthz", "/", "/index.json", "/labs", "/labs.json", "/api/versions", "/api/labs",
            "/labs/bad-lab", "/labs/bad-lab.json", "/api/labs/bad-lab"]
    for v in versions:
        urls += [f"/v/{v}/", f"/v/{v}/index.json", f"/api/scenarios?version={v}",
                 f"/api/scenarios/broken-syntax?version={v}", f"/api/scenarios/g033-irq-enable-quiet?version={v}"]
        urls += [f"/v/{v}/chapters/{c.replace(':', '-')}{ext}" for c in GOOD_CHAPTERS for ext in ("", ".json")]
        urls += [f"/source/{v}/{f}{ext}" for f in (HEAD, "arch/x86/lguest/garbage.c", "arch/x86/lguest/logo.png",
                                                   "glue/boot.S") for ext in ("", ".json")]
    posts = [("/api/run", {"scenario": s, "version": v, "actions": "step"})
             for v in versions for s in ("broken-syntax", "g033-irq-enable-quiet")]
    posts += [(f"/api/labs/{lab}/{what}", {}) for lab in ("bad-lab", "pending-restore-fl") for what in ("grade", "run")]
    # Act
    answers = {url: client.get(url) for url in urls}
    answers.update({f"POST {url} {body}": client.post(url, json=body) for url, body in posts})
    # Assert
    server_errors = {url: r.status_code for url, r in answers.items() if r.status_code >= 500}
    assert not server_errors
    for url, response in answers.items():
        if response.status_code >= 400 and response.mimetype == "application/json":
            error_of(response, response.status_code)
        elif response.status_code >= 400:
            assert 'class="error-page"' in response.get_data(as_text=True), url


# -- the good version: listed, with its problems shown ---------------------------------------------


def test_contents_of_the_damaged_version_list_its_chapters_and_each_problem(client, broken):
    # Arrange
    _, where = broken
    first, second = where["bad_marker_lines"]
    # Act
    page = client.get(f"/v/{GOOD}/")
    data = client.get(f"/v/{GOOD}/index.json").get_json()
    # Assert
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="notice notice-error"' in html
    for where_ in (f"{HEAD}:{first}", f"{HEAD}:{second}", "arch/x86/lguest/garbage.c:1"):
        assert where_ in html
    assert set(GOOD_CHAPTERS) <= set(re.findall(r'<span class="toc-id">([A-Z]:\d+)</span>', html))
    assert {(e["file"], e["line"]) for e in data["errors"]} >= {(HEAD, first), (HEAD, second),
                                                                 ("arch/x86/lguest/garbage.c", 1)}
    assert all(e["code"] == "content_error" for e in data["errors"])
    for slug in ("G-020", "G-033", "M-004"):
        assert client.get(f"/v/{GOOD}/chapters/{slug}").status_code == 200


def test_binary_files_in_arch_answer_422_in_the_error_shape(client):
    # Act
    names = ("garbage.c", "logo.png")
    answers = {name: client.get(f"/source/{GOOD}/arch/x86/lguest/{name}.json") for name in names}
    page = client.get(f"/source/{GOOD}/arch/x86/lguest/garbage.c")
    # Assert
    for name, response in answers.items():
        assert error_of(response, 422, "content_error")["detail"]["file"] == f"arch/x86/lguest/{name}"
    assert page.status_code == 422 and page.mimetype == "text/html"


def test_an_empty_version_folder_does_not_hide_the_good_version(client):
    # Act
    contents = client.get("/index.json").get_json()
    run = client.post("/api/run", json={"scenario": "g033-irq-enable-quiet", "actions": "step"})
    # Assert
    assert set(GOOD_CHAPTERS) <= {c["id"] for c in contents["journey_order"]}
    assert run.status_code == 200


# -- scenarios -------------------------------------------------------------------------------------


def test_a_scenario_with_a_toml_syntax_error_answers_422_in_the_error_shape(client):
    # Act
    detail = client.get(f"/api/scenarios/broken-syntax?version={GOOD}")
    run = client.post("/api/run", json={"scenario": "broken-syntax", "version": GOOD, "actions": "step"})
    # Assert
    error = error_of(detail, 422, "content_error")
    assert error["detail"]["file"] == f"scenarios/{GOOD}/broken-syntax.toml"
    assert "line 2" in error["message"]
    error_of(run, 422, "content_error")


def test_every_good_scenario_still_runs_beside_the_broken_one(client, broken):
    # Arrange
    root, _ = broken
    scenarios = good_scenarios(root, GOOD)
    assert len(scenarios) >= 9
    # Act
    answers = {s: client.post("/api/run", json={"scenario": s, "version": GOOD, "actions": "step 2"})
               for s in scenarios}
    # Assert
    assert {s: r.status_code for s, r in answers.items()} == dict.fromkeys(scenarios, 200)
    assert all(r.get_json()["scenario"] == s for s, r in answers.items())


def test_the_scenario_list_keeps_the_good_scenarios_beside_a_broken_one(client, broken):
    # Arrange
    root, _ = broken
    # Act
    response = client.get(f"/api/scenarios?version={GOOD}")
    # Assert
    assert response.status_code == 200
    data = response.get_json()
    assert [s["id"] for s in data["scenarios"]] == good_scenarios(root, GOOD)
    assert [e["file"] for e in data.get("errors", [])] == [f"scenarios/{GOOD}/broken-syntax.toml"]


# -- labs ------------------------------------------------------------------------------------------


def test_a_bad_lab_answers_422_and_the_good_labs_still_list_and_grade(client):
    # Act
    listing = client.get("/api/labs")
    detail = client.get("/api/labs/bad-lab")
    grade = client.post("/api/labs/bad-lab/grade", json={"actions": "step"})
    page = client.get("/labs/bad-lab")
    good = client.post("/api/labs/pending-restore-fl/grade", json=SOLUTION)
    # Assert
    assert listing.status_code == 200
    assert [lab["id"] for lab in listing.get_json()["labs"]] == GOOD_LABS
    error = error_of(detail, 422, "lab_invalid")
    fields = {p.get("field") for p in error["detail"]["problems"]}
    assert "colour" in fields
    assert len(error["detail"]["problems"]) >= 2       # the unknown key and the bad check both reported
    error_of(grade, 422, "lab_invalid")
    assert page.status_code == 422 and page.mimetype == "text/html"
    assert good.status_code == 200 and good.get_json()["score"] == good.get_json()["max_score"]


# -- a version whose glue does not assemble ----------------------------------------------------------


def test_a_version_whose_glue_fails_to_assemble_answers_422_and_its_text_still_reads(client):
    # Act
    run = client.post("/api/run", json={"scenario": "g033-irq-enable-quiet", "version": BAD_GLUE, "actions": "step"})
    page = client.get(f"/v/{BAD_GLUE}/chapters/G-033")
    good = client.post("/api/run", json={"scenario": "g033-irq-enable-quiet", "version": GOOD, "actions": "step"})
    # Assert
    error = error_of(run, 422, "build_error")
    assert "glue/boot.S" in error["message"] + str(error["detail"])
    assert page.status_code == 200
    assert good.status_code == 200


# -- a content root with nothing under kernels/ ----------------------------------------------------


def test_an_empty_kernels_folder_still_starts_the_site_and_answers_404s(tmp_path):
    # Arrange
    root = tmp_path / "content"
    shutil.copytree(paths.bundled_content_root(), root)
    shutil.rmtree(root / "kernels")
    (root / "kernels").mkdir()
    client = create_app({"content_root": root, "cache_dir": tmp_path / "cache"}).test_client()
    # Act
    health, contents, page = client.get("/healthz"), client.get("/index.json"), client.get("/")
    scenarios = client.get("/api/scenarios")
    run = client.post("/api/run", json={"scenario": "g033-irq-enable-quiet", "actions": "step"})
    labs, versions = client.get("/api/labs"), client.get("/api/versions")
    # Assert
    assert health.status_code == 200
    assert versions.status_code == 200 and versions.get_json() == {"versions": []}
    error_of(contents, 404, "not_found")
    assert page.status_code == 404 and 'class="error-page"' in page.get_data(as_text=True)
    error_of(scenarios, 404, "not_found")
    error_of(run, 404, "not_found")
    assert labs.status_code == 200
