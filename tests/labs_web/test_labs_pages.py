"""Lab pages: the list, lab mode (readable and usable without JavaScript), their JSON twins, and the
plain form POST that grades and answers with the lab page again."""

from __future__ import annotations

import re
import shutil

from journey_app import paths
from journey_app.labs.store import open_store
from journey_app.web import create_app
from tests.support.forms import form

from .conftest import FIX, LABS, WRONG, hidden_checks, submission

PAGE = "/labs/irq-enable-fix"
FORM = "/labs/irq-enable-fix/grade"


def html(response) -> str:
    assert response.mimetype == "text/html", response.mimetype
    return response.get_data(as_text=True)


def test_list_links_every_lab_and_has_a_json_twin(client):
    page = html(client.get("/labs"))
    for lab_id in LABS:
        assert f'href="/labs/{lab_id}"' in page
    assert 'href="/labs.json"' in page
    twin = client.get("/labs.json").get_json()
    assert twin == client.get("/api/labs").get_json()


def test_lab_page_reads_without_javascript(client):
    page = html(client.get(PAGE))
    assert "<h1 id=\"lab-h\">Make lg_irq_enable send the pending interrupt</h1>" in page
    # the instructions are Markdown, rendered
    assert "<strong>Your task:</strong>" in page and "<code>lg_irq_enable</code>" in page
    # the form posts to the server; the JavaScript-only parts start hidden
    assert '<form class="lab-form" id="lab-form" method="post" action="/labs/irq-enable-fix/grade"' in page
    assert re.search(r'<button type="button" class="lab-btn" id="lab-run" hidden>', page)
    assert re.search(r'<section id="lab-machine" class="machine lab-machine" aria-label="Live machine" hidden>', page)
    assert 'src="/static/js/labs/main.js"' in page


def test_only_the_permitted_line_is_an_input(client):
    page = html(client.get(PAGE))
    inputs = re.findall(r'<input class="sl-input"[^>]*>', page)
    assert len(inputs) == 1
    assert 'name="line-78"' in inputs[0] and 'id="edit-78"' in inputs[0]
    assert 'value="\ttestl $0, lguest_data+LGUEST_DATA_irq_pending"' in inputs[0]
    assert '<label class="sl-n" for="edit-78">' in page
    # the routine around it is there, read-only
    assert 'id="L79"' in page and 'id="L66"' in page and "send_interrupts" in page


def test_page_has_no_inline_script_or_style(client):
    for url in ("/labs", PAGE, "/labs/boot-hypercall"):
        page = html(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert " style=" not in page, url
        assert not re.search(r"<[^>]+\son[a-z]+=", page), url


def test_lab_page_json_twin_is_the_api_view(client):
    assert client.get(PAGE + ".json").get_json() == client.get("/api/labs/irq-enable-fix").get_json()


def test_unknown_lab_page_is_a_404_page(client):
    response = client.get("/labs/no-such-lab")
    assert response.status_code == 404 and "Not in this book" in html(response)
    assert client.get("/labs/no-such-lab.json").status_code == 404


def test_asking_for_a_hint_without_javascript(client):
    before = html(client.get(PAGE))
    assert 'href="/labs/irq-enable-fix?hints=1#lab-hints"' in before and "ANDs its two operands" not in before
    after = html(client.get(PAGE + "?hints=1"))
    assert "<code>testl</code> ANDs its two operands" in after
    assert 'href="/labs/irq-enable-fix?hints=2#lab-hints"' in after


def test_lab_with_questions_and_actions_has_their_fields(client):
    page = html(client.get("/labs/boot-hypercall"))
    assert '<textarea id="lab-actions" name="actions"' in page
    for question in ("call", "lguest_data_phys", "reserve_mem"):
        assert f'<label for="answer-{question}">' in page and f'name="answer-{question}"' in page
    assert 'class="sl-input"' not in page          # nothing to edit in this lab
    assert 'id="L34"' in page                      # but its chapter's code is shown


def test_instructions_markdown_cannot_carry_html(tmp_path, cache_dir):
    root = tmp_path / "content"
    shutil.copytree(paths.bundled_content_root(), root, ignore=shutil.ignore_patterns("labs"))
    (root / "labs").mkdir()
    text = (paths.bundled_content_root() / "labs" / "noirq-window.toml").read_text()
    text = text.replace("**Your task:**", '<script>alert("x")</script><img src=x onerror=alert(1)> **Your task:**')
    (root / "labs" / "noirq-window.toml").write_text(text)
    client = create_app({"content_root": root, "cache_dir": cache_dir,
                         "database_url": f"sqlite:///{tmp_path / 's.sqlite3'}"}).test_client()
    page = html(client.get("/labs/noirq-window"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page


# -- checking without JavaScript --------------------------------------------------------------------


def test_form_post_grades_saves_and_shows_the_result(app, client):
    response = client.post(FORM, data=form(client, {"student": "Grace Hopper", "line-78": FIX}))
    page = html(response)
    assert response.status_code == 200
    assert "All checks passed: 8/8." in page and "Saved for <strong>Grace Hopper</strong>" in page
    assert page.count('class="lab-check is-passed') == 5
    assert f'value="{FIX}"' in page   # the student's line is still in the box
    rows = open_store(app.extensions["journey.settings"].database_url).class_table()
    assert [(r.student, r.best_score) for r in rows] == [("Grace Hopper", 8)]


def test_form_post_of_a_wrong_attempt_says_what_failed_and_opens_a_hint(client):
    page = html(client.post(FORM, data=form(client, {"student": "Grace Hopper", "line-78": WRONG})))
    assert "Score 2/8." in page
    assert '<span class="lab-check-verdict">Failed</span>' in page
    assert 'Reread <a href="/chapters/G-033">G:033</a>.' in page
    assert "The jnz after line 78 never branched" in page
    assert '<li value="1" id="lab-hint-1">' in page   # one failed attempt opens hint 1


def test_form_post_without_a_name_grades_without_saving(app, client):
    page = html(client.post(FORM, data=form(client, {"line-78": FIX})))
    assert "All checks passed" in page and "Not saved" in page
    assert open_store(app.extensions["journey.settings"].database_url).class_table() == []


def test_form_post_of_a_refused_line_keeps_the_work_and_marks_the_line(client):
    hostile = '\t.incbin "/etc/passwd"'
    response = client.post(FORM, data=form(client, {"student": "Mallory", "line-78": hostile}))
    page = html(response)
    assert response.status_code == 422
    assert page.count(".incbin is not allowed") == 1                     # under the line, said once
    assert "line 78 is not accepted; the reason is under it." in page
    assert 'value="\t.incbin &#34;/etc/passwd&#34;"' in page or 'value="\t.incbin &quot;/etc/passwd&quot;"' in page
    assert re.search(r'id="edit-78"[^>]*aria-invalid="true"', page)
    assert 'value="Mallory"' in page


def test_form_post_with_answers_and_actions(client):
    sub = submission("boot-hypercall", "solution")
    data = {"actions": sub["actions"], **{f"answer-{k}": v for k, v in sub["answers"].items()}}
    page = html(client.post("/labs/boot-hypercall/grade", data=form(client, data)))
    assert "All checks passed: 9/9." in page
    assert 'value="0x101000"' in page


def test_form_post_is_rate_limited_with_the_work_kept(make_app):
    client = make_app(grade_rate=1).test_client()
    assert client.post(FORM, data=form(client, {"line-78": FIX})).status_code == 200
    response = client.post(FORM, data=form(client, {"line-78": WRONG}))
    assert response.status_code == 429
    page = html(response)
    assert "Slow down." in page and f'value="{WRONG}"' in page


def test_hidden_checks_never_reach_a_page_or_a_response(client):
    for lab_id in LABS:
        hidden = hidden_checks(lab_id)
        assert hidden, lab_id
        seen = [
            client.get("/api/labs"), client.get("/labs"), client.get(f"/api/labs/{lab_id}?hints=9"),
            client.get(f"/labs/{lab_id}?hints=9"), client.get(f"/labs/{lab_id}.json"),
            client.post(f"/api/labs/{lab_id}/run", json={"actions": submission(lab_id, "solution").get("actions", "")}),
        ]
        grades = []
        for name in ("solution", "wrong"):
            sub = submission(lab_id, name)
            grades.append(client.post(f"/api/labs/{lab_id}/grade", json=sub))
            fields = {"actions": sub.get("actions", "")}
            fields.update({f"line-{k}": v for k, v in sub.get("edits", {}).items()})
            fields.update({f"answer-{k}": v for k, v in sub.get("answers", {}).items()})
            grades.append(client.post(f"/labs/{lab_id}/grade", data=form(client, fields)))
        for response in seen + grades:
            assert response.status_code == 200, response.request.path
            body = response.get_data(as_text=True)
            for check in hidden:
                assert check["text"] not in body, (lab_id, check["id"], response.request.path)
                assert f'"{check["id"]}"' not in body, (lab_id, check["id"], response.request.path)
            assert '"expect"' not in body and "on_fail" not in body
        for response in grades:   # what a grade says of them: the number, and passed or failed
            assert re.search(r"hidden check \d+ (passed|failed)|>hidden check \d+<", response.get_data(as_text=True))
