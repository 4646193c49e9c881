"""An explorer chapter page carries the machine's first run (the explorer API's own body), and a view is a
cache lookup: the same page, scenario and actions are composed once; a changed scenario file makes a new page."""

from __future__ import annotations

import json
import re

from journey_app.web.pages.cache import BOOT_CACHE_KEY

def boot(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="mx-boot">(.*?)</script>', html, re.S)
    assert block, "the page carries its boot data"
    return json.loads(block.group(1))


def test_the_page_runs_what_the_api_would_answer(client):
    from journey_app.runs.events import KINDS

    data = boot(client.get("/chapters/G-033?scenario=g033-irq-enable-pending&actions=step;step").get_data(
        as_text=True))
    api = client.post("/api/run", json={"scenario": "g033-irq-enable-pending", "actions": "step; step",
                                        "max_events": 400, "kinds": [k for k in KINDS if k != "insn"]})

    assert [s["id"] for s in data["scenarios"]["scenarios"]][:1] == ["g033-irq-enable-pending"]
    assert data["run"] == api.get_json()
    index = data["chapters"]           # {url, titles}: a chapter's url is url + its id with "-" for ":"
    assert index["url"] + "H-205" == "/chapters/H-205"
    assert any(chapter_id == "H:205" and title for chapter_id, title in index["titles"])


def test_the_biggest_pages_are_kept_within_the_memory_budget(app, client):
    """The app scales every cache to its budget: G:038 (the biggest explorer page) and /stages/H must
    still fit, or every view of them is made again."""
    from journey_app.web.pages.cache import CACHE_KEY

    for path, key in (("/chapters/G-038", BOOT_CACHE_KEY), ("/stages/H", CACHE_KEY)):
        client.get(path).close()
        misses = app.extensions[key].misses
        client.get(path).close()
        assert app.extensions[key].misses == misses, path


def test_a_second_view_is_a_lookup_and_other_actions_get_their_own_page(app, client):
    first = client.get("/chapters/G-033").get_data()
    boot_pages = app.extensions[BOOT_CACHE_KEY]     # made by the first explorer view
    misses = boot_pages.misses
    second = client.get("/chapters/G-033").get_data()
    assert first == second and boot_pages.misses == misses

    stepped = client.get("/chapters/G-033?actions=step").get_data(as_text=True)
    assert boot_pages.misses == misses + 1
    assert boot(stepped)["run"]["state"] != boot(first.decode())["run"]["state"]
    # spelling of the same actions does not make another page
    client.get("/chapters/G-033?actions=%20step%20;").close()
    assert boot_pages.misses == misses + 1


def test_an_unknown_scenario_in_the_url_gets_the_default_page_listing_every_scenario(client):
    plain = boot(client.get("/chapters/G-033").get_data(as_text=True))
    odd = boot(client.get("/chapters/G-033?scenario=no-such").get_data(as_text=True))
    assert odd["run"] == plain["run"]
    assert len(odd["scenarios"]["scenarios"]) > len(plain["scenarios"]["scenarios"])


def test_an_edited_scenario_file_changes_the_page(content_copy, make_client):
    from journey_app.runs.scenarios import scenario_library

    client = make_client(content_copy)
    scenario_library(content_copy).recheck = 0          # re-list and re-stat at every view
    before = boot(client.get("/chapters/G-033").get_data(as_text=True))
    path = content_copy / "scenarios" / "2.6.31" / "g033-irq-enable-quiet.toml"
    path.write_text(path.read_text().replace('title = "', 'title = "Edited: ', 1))
    after = boot(client.get("/chapters/G-033").get_data(as_text=True))

    titles = {s["id"]: s["title"] for s in after["scenarios"]["scenarios"]}
    assert titles["g033-irq-enable-quiet"].startswith("Edited: ")
    assert before["scenarios"] != after["scenarios"]



def test_a_page_never_pairs_one_scenario_listing_with_another_version_of_the_run(content_copy, make_client):
    """The listing and each scenario are re-read on their own one-second clocks, so a view can list the old
    file and run the edited one. That page must not be kept under the old listing: once the file is put
    back, the old listing's page would show the edited run."""
    from journey_app.runs.events import KINDS
    from journey_app.runs.scenarios import scenario_library

    client = make_client(content_copy)
    library = scenario_library(content_copy)
    library.recheck = 3600                              # the clocks move only when this test says so
    url = "/chapters/G-033?scenario=g033-irq-enable-pending"
    client.get(url).close()                             # the listing, as the page will key it

    path = content_copy / "scenarios" / "2.6.31" / "g033-irq-enable-pending.toml"
    text = path.read_text()
    path.write_text(text.replace("irq_enabled = 0", "irq_enabled = 1", 1))
    library._fresh.clear()                              # the scenario's clock ran out, not the listing's
    edited = boot(client.get(url + "&actions=step").get_data(as_text=True))["run"]

    path.write_text(text)
    library._fresh.clear()
    again = boot(client.get(url + "&actions=step").get_data(as_text=True))["run"]
    api = client.post("/api/run", json={"scenario": "g033-irq-enable-pending", "actions": "step",
                                        "max_events": 400, "kinds": [k for k in KINDS if k != "insn"]})
    assert again == api.get_json() != edited
