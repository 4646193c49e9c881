"""A chapter page shows its "In the explorer" notes: the prose, a link that marks the cited kernel lines, and a
link that opens the note's run on a page with the live machine (whose boot data holds that run)."""

from __future__ import annotations

import json
import re
from html import unescape


def test_a_host_chapter_shows_its_note_with_working_links(client):
    html = client.get("/chapters/H-205").get_data(as_text=True)

    section = html[html.index('id="model-kick"'):]
    section = section[:section.index("</section>")]
    assert "Raising an interrupt kicks the Guest" in section and "kick_process" in section
    cite = unescape(re.search(r'<a href="([^"]+)"><code>set_interrupt\(\)</code>, lines 255–269</a>', section)[1])
    assert cite == "/chapters/H-205?hl=255-269#L255"
    marked = client.get(cite.split("#")[0]).get_data(as_text=True)
    assert 'id="L255"' in marked and "sl-hl" in marked[marked.index('id="L255"') - 80:marked.index('id="L255"')]

    tried = unescape(re.search(r'class="model-note-try" href="([^"]+)"', section)[1])
    assert tried == "/chapters/M-004?scenario=m004-frame&actions=raise_irq+1"
    page = client.get(tried).get_data(as_text=True)
    boot = json.loads(unescape(re.search(r'<script type="application/json" id="mx-boot">(.*?)</script>', page,
                                         re.S)[1]))
    decisions = [e for e in boot["run"]["events"] if e["kind"] == "decision"]
    assert [d["trigger"] for d in decisions] == ["kick"]


def test_the_json_twin_carries_the_notes_with_their_urls(client):
    data = client.get("/chapters/H-240.json").get_json()

    note, = data["model_notes"]
    assert note["id"] == "syscall-gate" and note["cites"]["function"] == "copy_traps"
    assert note["cites"]["url"] == "/chapters/H-240?hl=577-598#L577"
    assert note["try"]["url"].startswith("/chapters/G-033?scenario=g033-restore-fl-pending&actions=set+host.")
    assert client.get(note["try"]["url"]).status_code == 200


def test_a_chapter_without_notes_has_no_empty_aside(client):
    html = client.get("/chapters/G-033").get_data(as_text=True)
    assert 'class="model-notes"' not in html
    assert client.get("/chapters/G-033.json").get_json()["model_notes"] == []
