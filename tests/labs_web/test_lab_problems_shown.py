"""A lab file that does not load is listed with its problems on /labs, beside the labs that do."""

from __future__ import annotations

import shutil

from journey_app import paths


def test_broken_lab_file_is_reported_with_file_and_line(make_app, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(paths.bundled_content_root(), root)
    (root / "labs" / "broken.toml").write_text('id = "broken"\ntitle = "Broken"\nscenario = "no-such-scenario"\n')
    client = make_app(content_root=root).test_client()

    data = client.get("/labs.json").get_json()
    page = client.get("/labs")

    assert {lab["id"] for lab in data["labs"]} >= {"irq-enable-fix", "noirq-window"}
    assert any(p["file"].endswith("broken.toml") for p in data["problems"])
    assert page.status_code == 200
    assert b"Some lab files could not be loaded" in page.data
    assert b"broken.toml" in page.data
