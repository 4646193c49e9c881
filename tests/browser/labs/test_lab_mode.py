"""Lab mode in a real browser: a student fixes lg_irq_enable in the editor, runs it on the live machine,
checks and gets full marks; work survives a reload; hints open after a failure; the page works without
JavaScript; the instructor logs in and downloads the CSV with the student's row.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from .conftest import TOKEN

pytestmark = pytest.mark.browser

FIX = "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending"
WRONG = "\ttestl $0x100, lguest_data+LGUEST_DATA_irq_pending"


def open_lab(page: Page, base: str, lab: str = "irq-enable-fix") -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and "Failed to load resource" not in msg.text else None)
    page.goto(f"{base}/labs/{lab}")
    expect(page.locator("#lab-machine")).to_be_visible()
    wait_idle(page)
    return errors


def wait_idle(page: Page) -> None:
    page.wait_for_function("() => { const m = document.getElementById('mx');"
                           " return m && !m.hasAttribute('aria-busy') && document.getElementById('mx-status').textContent; }")


def test_student_fixes_the_bug_checks_and_sees_full_marks(page: Page, live_server, screenshots):
    errors = open_lab(page, live_server)
    expect(page.locator("#lab-machine-source")).to_have_text("The machine runs the kernel as shipped.")
    expect(page.locator("#mx-scenario")).to_be_disabled()

    page.get_by_label("Your name or student id").fill("Ada Lovelace")
    line = page.locator("#edit-78")
    expect(line).to_have_value("\ttestl $0, lguest_data+LGUEST_DATA_irq_pending")
    line.fill(FIX)
    expect(page.locator("#lab-edit-status")).to_have_text("Line 78 changed.")
    expect(page.locator("#L78")).to_have_class(re.compile(r"\bis-edited\b"))

    page.get_by_role("button", name="Run my version").click()
    expect(page.locator("#lab-machine-source")).to_have_text("The machine runs your version (line 78 edited).")
    wait_idle(page)
    expect(page.locator("#mx-status")).to_contain_text("finished")
    expect(page.locator("#mx-events")).to_contain_text("LHCALL_SEND_INTERRUPTS")

    page.get_by_role("button", name="Check my work").click()
    result = page.locator("#lab-result")
    expect(result).to_be_visible()
    expect(result.locator(".lab-score-n")).to_have_text("8/8")
    expect(result).to_contain_text("All checks passed: 8/8.")
    expect(result).to_contain_text("Saved for Ada Lovelace")
    expect(result.locator(".lab-check.is-passed")).to_have_count(5)
    expect(result.locator(".lab-check.is-hidden")).to_have_count(2)
    expect(page.locator("#lab-result-h")).to_be_focused()
    assert not errors, errors

    # docs/screenshots/lab.png: the edited line, the result, and the machine that ran it
    page.locator(".lab-editor").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.evaluate("window.scrollBy(0, -12)")
    page.locator("#lab-machine").evaluate("machine => { machine.scrollTop = 0; }")
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshots / "lab.png"))


def test_work_survives_a_reload_and_hints_open_after_a_failure(page: Page, live_server):
    open_lab(page, live_server)
    page.evaluate("localStorage.clear()")
    page.reload()
    wait_idle(page)
    page.locator("#edit-78").fill(WRONG)
    page.get_by_role("button", name="Check my work").click()
    result = page.locator("#lab-result")
    expect(result).to_contain_text("Score 2/8.")
    expect(result.locator(".lab-check.is-failed").first).to_contain_text("Reread G:033")
    expect(result.get_by_role("link", name="G:033").first).to_have_attribute("href", "/chapters/G-033")
    expect(page.locator("#lab-hint-1")).to_contain_text("ANDs its two operands")   # one failure opens hint 1
    expect(page.locator("#lab-hint-2")).to_have_count(0)

    page.get_by_role("link", name="Show hint 2").click()
    expect(page.locator("#lab-hint-2")).to_contain_text("compare the memory word with 0")

    page.reload()
    wait_idle(page)
    expect(page.locator("#edit-78")).to_have_value(WRONG)
    expect(page.locator("#lab-hint-2")).to_be_visible()
    page.get_by_role("button", name="Restore the lines as shipped").click()
    expect(page.locator("#edit-78")).to_have_value("\ttestl $0, lguest_data+LGUEST_DATA_irq_pending")


def test_a_refused_line_is_marked_where_it_is(page: Page, live_server):
    open_lab(page, live_server)
    page.locator("#edit-78").fill('\t.incbin "/etc/passwd"')
    page.get_by_role("button", name="Check my work").click()
    expect(page.locator("#lab-error")).to_have_text("Not checked. line 78 is not accepted; the reason is under it.")
    expect(page.locator("#edit-78")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#edit-78-error")).to_contain_text(".incbin is not allowed in edited lines")
    expect(page.locator("#edit-78")).to_be_focused()


@pytest.mark.parametrize("text, message", [
    # ld's warnings about the glue objects came with the one real error; GAS named its scratch copy
    ("\ttestl $0, nowhere_at_all", "undefined reference to `nowhere_at_all'"),
    ("\tjnz 1f", "Error: local label `\"1\" (instance number 1 of a fb label)' is not defined"),
    ("\ttestl $0, lguest_data, %eax", "Error: number of operands mismatch for `test'"),
])
def test_one_bad_edit_shows_one_error_in_the_same_words(page: Page, live_server, text, message):
    open_lab(page, live_server)
    page.locator("#edit-78").fill(text)
    page.get_by_role("button", name="Run my version").click()
    expect(page.locator("#edit-78-error")).to_have_text(message)
    wait_idle(page)
    expect(page.locator("#mx-error")).to_be_hidden()                 # the machine panel does not repeat it
    expect(page.locator("#lab-machine-source")).to_have_text(
        "Your version does not build: the message is under line 78. The machine still runs the last version that built.")
    expect(page.locator("#edit-78")).to_be_focused()

    page.get_by_role("button", name="Check my work").click()
    result = page.locator("#lab-result")
    expect(result.locator(".lab-score-text")).to_have_text("Your edit does not build (line 78); score 0/8.")
    expect(result.locator(".lab-build-errors li")).to_have_count(1)
    expect(result.locator(".lab-build-errors li code")).to_have_text(message)
    expect(page.locator("#edit-78-error")).to_have_text(message)
    expect(page.locator("#lab-error")).to_be_hidden()
    assert "obj/" not in page.locator("main").inner_text() and "NOTE" not in page.locator("main").inner_text()


def test_actions_lab_keeps_the_machine_and_the_text_box_in_step(page: Page, live_server):
    open_lab(page, live_server, "pending-restore-fl")
    page.locator("#mx-irq").fill("1")
    page.locator('[data-cmd="raise_irq"]').click()
    wait_idle(page)
    page.locator('[data-cmd="host_check"]').click()
    wait_idle(page)
    expect(page.locator("#lab-actions")).to_have_value("raise_irq 1\nhost_check")
    page.locator("#lab-actions").fill("raise_irq 1\nhost_check\nrun_until journey_done")
    page.get_by_role("button", name="Run my actions").click()
    wait_idle(page)
    expect(page.locator("#mx-events")).to_contain_text("LHCALL_SEND_INTERRUPTS")
    page.get_by_role("button", name="Check my work").click()
    expect(page.locator("#lab-result .lab-score-n")).to_have_text("7/7")


def test_every_field_of_the_form_has_a_label(page: Page, live_server):
    for lab in ("irq-enable-fix", "boot-hypercall"):
        open_lab(page, live_server, lab)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('#lab-form input:not([type=hidden]), #lab-form textarea')]
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.id || el.name)""")
        assert unlabelled == [], (lab, unlabelled)


def test_the_page_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/labs/irq-enable-fix")
    expect(page.locator("#lab-machine")).to_be_hidden()
    expect(page.locator("#lab-run")).to_be_hidden()
    expect(page.get_by_role("heading", name="The task")).to_be_visible()
    page.get_by_label("Your name or student id").fill("Offline Student")
    page.locator("#edit-78").fill(FIX)
    page.get_by_role("button", name="Check my work").click()
    expect(page.locator("#lab-result")).to_contain_text("All checks passed: 8/8.")
    expect(page.locator("#lab-result")).to_contain_text("Saved for Offline Student")
    expect(page.locator("#edit-78")).to_have_value(FIX)
    context.close()


def test_instructor_logs_in_and_exports_the_csv(page: Page, live_server, tmp_path):
    # a student's saved attempt, made through the API
    request = urllib.request.Request(
        f"{live_server}/api/labs/irq-enable-fix/grade", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"student": "Grace Hopper", "save": True, "edits": {"78": FIX}}).encode())
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["passed"] is True

    page.goto(f"{live_server}/instructor")
    expect(page.get_by_role("heading", name="Log in to see the class")).to_be_visible()
    page.get_by_label("Instructor token").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("That is not the instructor token.")
    page.get_by_label("Instructor token").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Class table")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Grace Hopper")).to_be_visible()
    assert TOKEN not in page.url
    cookie = next(c for c in page.context.cookies() if c["name"] == "journey_instructor")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "journey-class.csv"
    download.save_as(tmp_path / "class.csv")
    lines = (tmp_path / "class.csv").read_text().splitlines()
    assert lines[0] == "student,lab,best_score,max_score,attempts,last_submitted_utc"
    assert any(line.startswith("Grace Hopper,irq-enable-fix,8,8,") for line in lines), lines


def test_lab_mode_shows_the_labs_words_not_the_scenario_files(page: Page, live_server):
    page.goto(f"{live_server}/labs/irq-enable-fix")
    page.locator("#mx-regs .mx-reg").first.wait_for()
    text = page.locator("body").inner_text()
    options = " ".join(page.locator("#mx-scenario option").all_text_contents())
    # the scenario file explains the bug and its fix; the lab must not hand that to the student
    assert "cmpl" not in text and "testl $0 bug" not in options
    assert "lg_irq_enable" in options or "irq" in options.lower()


def test_the_attempt_number_is_the_students_own_count(live_server):
    def save(student):
        request = urllib.request.Request(
            f"{live_server}/api/labs/boot-hypercall/grade", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"student": student, "save": True, "actions": "step"}).encode())
        with urllib.request.urlopen(request) as response:
            return json.load(response)["saved"]["attempt"]

    save("someone else")
    assert [save("Barbara Liskov"), save("Barbara Liskov")] == [1, 2]
