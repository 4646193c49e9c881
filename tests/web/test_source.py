"""The whole-file view: every line in file order, chapter boundaries marked, a JSON twin."""

from __future__ import annotations

import re

HEAD = "arch/x86/lguest/i386_head.S"
URL = f"/source/2.6.31/{HEAD}"


def test_whole_file_shows_every_line_and_marks_chapters(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    numbers = [int(n) for n in re.findall(r'<div class="sl[^"]*" id="L(\d+)"[ >]', html)]
    assert numbers == list(range(1, 192))
    heads = re.findall(r'class="region-head"><a href="(/chapters/[A-Z]-\d+)"', html)
    assert heads == ["/chapters/G-020", "/chapters/G-055", "/chapters/G-033", "/chapters/M-004", "/chapters/G-045"]
    assert 'class="region region-outside"' in html  # lines 1-7, 55, 130-134 belong to no chapter


def test_whole_file_json_twin(client):
    data = client.get(URL + ".json").get_json()
    assert data["file"] == HEAD
    assert len(data["lines"]) == 191
    assert data["lines"][130]["chapter"] is None  # line 131, between chapters
    assert data["lines"][77]["bytes"] == "f7 05 14 10 10 c0 00 00 00 00"
    assert [c["id"] for c in data["chapters"]] == ["G:020", "G:055", "G:033", "M:004", "G:045"]


def test_glue_files_show_their_bytes_too(client):
    response = client.get("/source/2.6.31/glue/boot.S")
    assert response.status_code == 200
    assert '<span class="sl-a">c0' in response.get_data(as_text=True)


def test_files_outside_the_version_folder_are_404(client):
    for path in ("../../../etc/passwd", "include/../../2.6.31/x", "nope.S", "/etc/passwd"):
        response = client.get(f"/source/2.6.31/{path}", follow_redirects=True)
        assert response.status_code == 404, path
    assert client.get("/source/9.9/arch/x.S.json").get_json()["error"]["code"] == "not_found"
