"""The whole Journey in Debian chromium: a sample of 20 pages of every kind without console errors, and
the explorer's "blocked" decision opening H:205 with the lines of interrupt_pending() it follows marked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SAMPLE = [
    "/", "/files", "/stages/P", "/stages/H", "/stages/S", "/chapters/P-010", "/chapters/G-032",
    "/chapters/G-038", "/chapters/D-100", "/chapters/L-010", "/chapters/H-205?hl=166-179",
    "/chapters/S-010", "/chapters/M-999", "/ident/2.6.31/", "/ident/2.6.31/interrupt_pending",
    "/ident/2.6.31/LHCALL_SEND_INTERRUPTS", "/search?q=interrupt_pending", "/search?q=%22NEAR(",
    "/source/2.6.31/Documentation/lguest/lguest.c", "/source/2.6.31/drivers/lguest/x86/switcher_32.S",
]


def test_sample_has_twenty_pages():
    assert len(SAMPLE) == 20 and len(set(SAMPLE)) == 20


@pytest.mark.parametrize("path", SAMPLE)
def test_page_loads_without_console_errors(page: Page, live_server, path):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    response = page.goto(live_server + path)
    page.wait_for_load_state("networkidle")

    assert response is not None and response.status == 200
    expect(page.locator("main h1").first).to_be_visible()
    assert errors == []


def test_search_box_submits_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/chapters/H-205")
    page.fill("#masthead-q", "try_deliver_interrupt")
    page.press("#masthead-q", "Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=try_deliver_interrupt$"))
    expect(page.locator(".search-hit").first).to_contain_text("try_deliver_interrupt")
    context.close()


def test_blocked_decision_opens_h205_with_interrupt_pending_lines_marked(page: Page, live_server):
    actions = "set%20host.irqs_pending%201%3Bhost_check"
    page.goto(f"{live_server}/chapters/G-033?scenario=g033-restore-fl-pending&actions={actions}")
    expect(page.locator("#machine")).to_be_visible()
    cite = page.locator('#mx-events .mx-decision a.mx-cite[href*="H-205"]').first
    expect(cite).to_contain_text("interrupt_pending()")
    cite.click()

    expect(page).to_have_url(re.compile(r"/chapters/H-205\?hl=166-179#L166$"))
    marked = page.locator(".listing .sl-hl")
    expect(marked).to_have_count(14)
    assert [marked.nth(i).get_attribute("id") for i in (0, 13)] == ["L166", "L179"]
    expect(page.locator("#L157")).to_contain_text("unsigned int interrupt_pending(struct lg_cpu *cpu, bool *more)")
    expect(page.locator("#L166")).to_be_in_viewport()
