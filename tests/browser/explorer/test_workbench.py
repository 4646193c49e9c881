"""The explorer as a debugger: code and machine on one screen at every size, breakpoints, watches and
what-if forks end to end, each reproduced by its share link."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
G033 = "/chapters/G-033"


def ready(page: Page) -> None:
    page.locator("#mx-regs .mx-reg").first.wait_for()
    page.wait_for_function("() => !document.getElementById('mx').classList.contains('is-busy')")


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate("""(sel) => { const e = document.querySelector(sel); if (!e) return false;
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }""",
                         selector)


def uncovered(page: Page, selector: str) -> bool:
    """In the viewport and not under the phone's fixed bottom bar (Step and the registers)."""
    return page.evaluate("""(sel) => { const e = document.querySelector(sel); if (!e) return false;
        let bottom = innerHeight;
        for (const bar of document.querySelectorAll('.mx-dock-part'))
          if (getComputedStyle(bar).position === 'fixed') bottom = Math.min(bottom, bar.getBoundingClientRect().top);
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= bottom && r.right <= innerWidth; }""", selector)


def step(page: Page, times: int = 1) -> None:
    for _ in range(times):
        page.locator('[data-cmd="step"]').first.click()
        ready(page)


def status(page: Page) -> str:
    return page.locator("#mx-status").text_content() or ""


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 800), (1440, 900), (390, 844)])
def test_after_ten_steps_step_the_current_line_and_the_registers_are_all_on_screen(page: Page, live_server,
                                                                                     width, height, screenshots):
    page.set_viewport_size({"width": width, "height": height})
    # G:033's restore_fl with a pending irq: 10 steps take it through the delivered interrupt into
    # G:045's lguest_iret (line 179), still running
    page.goto(f"{live_server}/chapters/G-045?scenario=g033-restore-fl-first")
    ready(page)
    step(page, 10)
    assert "10 instructions" in status(page)
    assert in_viewport(page, '[data-cmd="step"]'), "Step is off screen"
    assert in_viewport(page, "#mx-regs"), "the registers are off screen"
    expect(page.locator("#L179")).to_have_class(re.compile("is-current"))
    assert uncovered(page, ".sl.is-current"), "the current line is off screen or under the bottom bar"
    page.screenshot(path=str(screenshots / f"workbench-{width}x{height}.png"))


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 800), (1440, 900), (390, 844)])
def test_in_g033_the_current_line_stays_in_view_and_line_78_is_never_cut(page: Page, live_server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}{G033}?scenario=g033-irq-enable-pending")
    ready(page)
    for _ in range(3):                                   # to the jnz on line 79, one after the lesson's line 78
        step(page)
        assert in_viewport(page, '[data-cmd="step"]') and in_viewport(page, "#mx-regs")
        assert uncovered(page, ".sl.is-current")
    expect(page.locator("#L79")).to_have_class(re.compile("is-current"))
    assert uncovered(page, "#L78"), "the lesson line is off screen or under the bottom bar"
    code = page.locator("#L78 > code")
    assert code.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "line 78 overflows its box"
    line, listing = code.bounding_box(), page.locator(".listing").bounding_box()
    assert listing["x"] <= line["x"] and line["x"] + line["width"] <= listing["x"] + listing["width"] + 1
    assert "LGUEST_DATA_irq_pending" in code.text_content()


def test_a_finished_run_says_why_and_takes_no_more_steps(page: Page, live_server):
    page.goto(f"{live_server}{G033}?scenario=g033-irq-enable-quiet")
    ready(page)
    page.locator('[data-cmd="run_until"][data-arg="hypercall"]').click()
    ready(page)
    stop = page.locator("#mx-stop")
    expect(stop).to_contain_text("before any hypercall: the Guest made none on the way")
    expect(stop).to_contain_text("jnz send_interrupts")
    expect(page.locator("#mx-events")).to_contain_text("the Guest made none on the way")
    before = page.locator("#mx-actions-text").text_content()
    page.locator('[data-cmd="step"]').first.click()
    expect(stop).to_contain_text("Nothing to run")
    assert page.locator("#mx-actions-text").text_content() == before   # no action was added


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 800), (1440, 900)])
def test_a_long_stop_reason_leaves_the_registers_on_screen(page: Page, live_server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}{G033}?scenario=g033-irq-enable-quiet&actions=run_until%20hypercall")
    ready(page)
    stop = page.locator("#mx-stop")
    expect(stop).to_contain_text("was not taken (ZF = 1)")          # all of it is there, three lines shown
    assert in_viewport(page, '[data-cmd="step"]') and in_viewport(page, "#mx-regs"), "the registers are off screen"
    page.locator('[data-cmd="back"]').click()                      # and after an action, from the top of the page
    ready(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.locator('[data-cmd="run_until"][data-arg="hypercall"]').click()
    ready(page)
    assert in_viewport(page, '[data-cmd="step"]') and in_viewport(page, "#mx-regs"), "the registers are off screen"
    more = stop.get_by_role("button", name="more")
    more.click()
    expect(stop.get_by_role("button", name="less")).to_have_attribute("aria-expanded", "true")
    assert in_viewport(page, "#mx-stop")


def test_a_breakpoint_set_in_the_gutter_stops_continue_and_its_link_reproduces_it(page: Page, live_server, browser):
    page.goto(f"{live_server}{G033}?scenario=g033-irq-enable-quiet")
    ready(page)
    page.locator('#L79 .sl-bp').click()
    ready(page)
    expect(page.locator('#L79 .sl-bp')).to_have_attribute("aria-pressed", "true")
    page.locator('[data-cmd="continue"]').click()
    ready(page)
    expect(page.locator("#L79")).to_have_class(re.compile("is-current"))
    expect(page.locator("#mx-stop")).to_contain_text("Hit breakpoint L79")
    assert parse_qs(urlparse(page.url).query)["actions"] == ["break L79;continue"]

    again = browser.new_page()
    again.goto(page.url)
    ready(again)
    expect(again.locator("#L79")).to_have_class(re.compile("is-current"))
    expect(again.locator('#L79 .sl-bp')).to_have_attribute("aria-pressed", "true")
    expect(again.locator("#mx-debug-list")).to_contain_text("L79")
    again.close()

    page.locator('#L79 .sl-bp').click()                  # the gutter toggles it off again
    ready(page)
    expect(page.locator('#L79 .sl-bp')).to_have_attribute("aria-pressed", "false")


def test_a_watchpoint_on_memory_stops_continue_and_its_link_reproduces_it(page: Page, live_server, browser):
    page.goto(f"{live_server}{G033}?scenario=g033-irq-enable-quiet")
    ready(page)
    page.locator("#mx-watch-what").fill("lguest_data+0:8")
    page.locator("#mx-watch-form button[type=submit]").click()
    ready(page)
    expect(page.locator("#mx-debug-list")).to_contain_text("lguest_data+0:8")
    expect(page.locator("#mx-debug-list")).to_contain_text("00 00 00 00 01 00 00 00")
    page.locator('[data-cmd="continue"]').click()
    ready(page)
    expect(page.locator("#mx-stop")).to_contain_text("Watched lguest_data+0:8 changed")
    expect(page.locator("#mx-debug-list")).to_contain_text("00 02 00 00 01 00 00 00")   # irq_enabled = 0x200
    expect(page.locator("#L78")).to_have_class(re.compile("is-current"))

    again = browser.new_page()
    again.goto(page.url)
    ready(again)
    expect(again.locator("#mx-stop")).to_contain_text("Watched lguest_data+0:8 changed")
    expect(again.locator("#L78")).to_have_class(re.compile("is-current"))
    again.close()


def test_what_if_forks_compares_and_shares(page: Page, live_server, browser, screenshots):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server}{G033}?scenario=g033-irq-enable-pending&actions=step%202%3Bhost_check")
    ready(page)
    page.locator("#mx-timeline").fill("1")                 # scrub back to after `step 2`
    ready(page)
    assert "1 action" in status(page) or "2 instructions" in status(page)
    page.locator('[data-cmd="whatif_open"]').click()
    page.locator("#mx-whatif-change").select_option("set irq_enabled 0")
    page.get_by_role("button", name="Compare the two runs").click()
    box = page.locator("#mx-whatif")
    expect(box).to_contain_text("set irq_enabled 0")
    expect(box).to_contain_text("First different event: the Host’s decision")
    expect(box.locator(".is-first-diff").first).to_contain_text("deliver")
    expect(box.locator(".is-first-diff").last).to_contain_text("irqs_disabled")
    expect(box.locator(".mx-wi-table")).to_contain_text("host.irqs_pending")
    query = parse_qs(urlparse(page.url).query)
    assert query["whatif"] == ["1:set irq_enabled 0"] and query["actions"] == ["step 2;host_check"]
    box.screenshot(path=str(screenshots / "explorer-whatif.png"))
    page.screenshot(path=str(screenshots / "whatif-page.png"))

    again = browser.new_page()
    again.goto(page.url)
    expect(again.locator("#mx-whatif .is-first-diff").last).to_contain_text("irqs_disabled")
    again.close()


SHARED_DECISION = ("/chapters/G-045?scenario=g045-iret&embed=1"
                   "&actions=step%202%3Bhost_check%3Bstep%3Bhost_check%3Bstep%202%3Bhost_check")


@pytest.mark.parametrize("width", [720, 1100])
def test_an_embed_of_a_shared_decision_opens_on_that_decision(page: Page, live_server, width):
    """The explorer's own iframe code is 720 px tall: what was shared (the run's last Host decision) is
    in that window when it opens, not ~1,800 px below the source; the embed stays read-only."""
    page.set_viewport_size({"width": width, "height": 720})
    page.goto(f"{live_server}{SHARED_DECISION}")
    ready(page)
    shared = page.locator("#mx-events .mx-ev-decision.is-shared")
    expect(shared).to_have_count(1)
    expect(shared).to_contain_text("delivered")                       # the last decision, not the deferred one
    assert shared.evaluate("e => e === [...document.querySelectorAll('.mx-ev-decision')].pop()")
    assert in_viewport(page, "#mx-events .mx-ev-decision.is-shared"), "the shared decision is off screen"
    before = status(page)
    page.keyboard.press("s")
    page.keyboard.press("ArrowRight")
    expect(page.locator('[data-cmd="step"]')).to_have_count(0)
    expect(page.locator(".sl-run, .sl-bp")).to_have_count(0)          # no run-to or breakpoint buttons either
    assert status(page) == before


def test_an_embed_without_a_decision_opens_on_the_current_line(page: Page, live_server):
    page.set_viewport_size({"width": 720, "height": 720})
    page.goto(f"{live_server}{G033}?scenario=g033-irq-enable-pending&actions=step%203&embed=1")
    ready(page)
    expect(page.locator("#mx-events .is-shared")).to_have_count(0)
    expect(page.locator("#L79")).to_have_class(re.compile("is-current"))
    assert in_viewport(page, ".sl.is-current"), "the current line is off screen"
