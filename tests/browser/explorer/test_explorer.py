"""The live explorer in a real browser: G:033's testl, lg_restore_fl's hypercall and the Host's decision,
step back, share links, the embed view, keyboard-only use, and the page without JavaScript.

Each test opens the chapter page on the live server and drives the panel the way a reader would.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PANEL = ["#mx-regs", "#mx-flags", "#mx-ld", "#mx-host", "#mx-stack", "#mx-mem", "#mx-at"]


def open_explorer(page: Page, base: str, query: str = "", chapter: str = "G-033") -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.text
            and "Failed to load resource" not in msg.text else None)
    page.goto(f"{base}/chapters/{chapter}{query}")
    expect(page.locator("#machine")).to_be_visible()
    wait_idle(page)
    page.errors = errors          # checked by the tests that care


def wait_idle(page: Page) -> None:
    """Every control sends its request at once (the panel is busy until the answer is drawn)."""
    page.wait_for_function("() => { const m = document.getElementById('mx');"
                           " return m && !m.hasAttribute('aria-busy') && document.getElementById('mx-status').textContent; }")


def click(page: Page, selector: str) -> None:
    """Click the first match a reader can see (the tour has a button in the pane and a link on phones)."""
    page.locator(f"{selector} >> visible=true").first.click()
    wait_idle(page)


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)
    wait_idle(page)


def snapshot(page: Page) -> dict:
    return {sel: page.locator(sel).inner_text() for sel in PANEL}


def insn_count(page: Page) -> int:
    return int(re.search(r"(\d+) instructions?", page.locator("#mx-status").inner_text()).group(1))


def flag(page: Page, name: str):
    return page.locator(f'#mx-flags [data-key="flag:{name}"]')


def test_g033_testl_sets_zf_and_the_jnz_is_not_taken(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-irq-enable-pending")
    for _ in range(3):                      # call lg_irq_enable; movl $0x200 → irq_enabled; testl $0
        click(page, '[data-cmd="step"]')
    expect(page.locator("#L79")).to_have_class(re.compile(r"\bis-current\b"))   # at the jnz
    expect(flag(page, "ZF")).to_have_attribute("aria-pressed", "true")
    expect(flag(page, "ZF").locator(".mx-flag-bit")).to_have_text("1")
    expect(page.locator("#mx-at")).to_contain_text("will not jump (ZF = 1)")
    expect(page.locator('#mx-ld [data-key="ld:irq_pending"]')).to_contain_text("0x00000200")   # yet it was pending
    click(page, '[data-cmd="step"]')
    expect(page.locator("#L85")).to_have_class(re.compile(r"\bis-current\b"))   # the ret: jnz not taken
    expect(page.locator("#L97")).not_to_have_class(re.compile(r"\bis-current\b"))
    expect(page.locator("#mx-events")).not_to_contain_text("LHCALL_SEND_INTERRUPTS")
    assert page.errors == []


def test_lg_restore_fl_with_irq_pending_makes_the_hypercall_and_the_host_delivers(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-restore-fl-pending")
    toggle = page.locator('[data-cmd="toggle_field"][data-arg="irq_pending"]')
    click(page, '[data-cmd="toggle_field"][data-arg="irq_pending"]')          # off ...
    expect(toggle).to_have_attribute("aria-pressed", "false")
    click(page, '[data-cmd="toggle_field"][data-arg="irq_pending"]')          # ... and set again
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator('#mx-ld [data-key="ld:irq_pending"]')).to_contain_text("0x00000200")
    click(page, '[data-cmd="run_until"][data-arg="hypercall"]')
    log = page.locator("#mx-events")
    expect(log.locator(".mx-ev-hypercall")).to_contain_text("LHCALL_SEND_INTERRUPTS")
    decision = log.locator(".mx-ev-decision").last
    expect(decision).to_contain_text("delivered")
    expect(decision.locator(".mx-rule")).to_have_text("deliver")
    expect(decision.locator(".mx-explained a").first).to_have_attribute("href", re.compile(r"/chapters/"))
    expect(log.locator(".mx-ev-irq_delivered")).to_contain_text("journey_irq_1")
    expect(page.locator("#mx-announce")).to_contain_text("Host decision, rule deliver")
    expect(page.locator("#mx-stack")).to_contain_text("interrupt frame: eflags")
    # Jumping to the hypercall's event goes back to that moment: the list ends with that action.
    log.locator(".mx-ev-hypercall .mx-ev-jump").click()
    wait_idle(page)
    assert page.locator("#mx-actions-text").text_content().endswith("run_until hypercall")
    assert page.errors == []


def test_step_back_restores_the_previous_state_exactly(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-restore-fl-pending")
    for _ in range(4):
        click(page, '[data-cmd="step"]')
    before, url = snapshot(page), page.url
    click(page, '[data-cmd="step"]')
    assert snapshot(page) != before
    click(page, '[data-cmd="back"]')
    assert snapshot(page) == before
    assert page.url == url
    # and Forward redoes the step undone
    click(page, '[data-cmd="forward"]')
    assert insn_count(page) == 5


def test_a_share_link_opened_in_a_new_page_shows_the_same_state(page: Page, live_server, context):
    open_explorer(page, live_server, "?scenario=g045-iret")
    click(page, '[data-cmd="step"]')
    click(page, '[data-cmd="step"]')
    click(page, '[data-cmd="host_check"]')                 # inside the no-irq window: deferred
    expect(page.locator("#mx-events .mx-ev-decision").last).to_contain_text("noirq_window")
    page.fill("#mx-irq", "3")
    click(page, '[data-cmd="raise_irq"]')
    click(page, '[data-cmd="share"]')
    link = page.locator("#mx-share-url").input_value()
    assert "scenario=g045-iret" in link and "actions=" in link
    state = snapshot(page)
    other = context.new_page()
    open_explorer(other, live_server, "?" + link.split("?", 1)[1])
    assert snapshot(other) == state
    assert other.locator("#mx-actions-text").text_content() == page.locator("#mx-actions-text").text_content()
    other.close()


def test_the_address_beside_a_source_line_runs_to_it(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-irq-enable-quiet")
    page.locator("#L85 .sl-run").click()                     # the ret of lg_irq_enable
    wait_idle(page)
    expect(page.locator("#L85")).to_have_class(re.compile(r"\bis-current\b"))
    assert re.fullmatch(r"run_until 0x[0-9a-f]{8}", page.locator("#mx-actions-text").text_content())
    page.locator("#L86 .sl-run").click()                     # a label line: run_until send_interrupts
    wait_idle(page)
    assert page.locator("#mx-actions-text").text_content().endswith("run_until send_interrupts")


def test_choosing_another_scenario_starts_it_afresh(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-irq-enable-quiet&actions=step%3Bstep")
    page.select_option("#mx-scenario", "g033-restore-fl-off")
    wait_idle(page)
    assert insn_count(page) == 0
    assert "scenario=g033-restore-fl-off" in page.url and "actions" not in page.url
    expect(page.locator("#mx-scenario-about")).to_contain_text("eax = 0")


def test_run_steps_on_its_own_until_paused(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-restore-fl-pending")
    page.fill("#mx-speed", "20")
    page.locator('[data-cmd="play"]').click()
    expect(page.locator('[data-cmd="play"]')).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => /([3-9]|\\d\\d) instructions/.test(document.getElementById('mx-status').textContent)")
    page.locator('[data-cmd="play"]').click()
    expect(page.locator('[data-cmd="play"]')).to_have_attribute("aria-pressed", "false")
    wait_idle(page)
    stopped = insn_count(page)
    page.wait_for_timeout(400)
    assert insn_count(page) == stopped


def test_editing_a_register_in_place_is_a_set_action(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-restore-fl-off")
    page.locator('#mx-regs [data-key="reg:eax"]').click()
    box = page.locator('[data-key="reg:eax:edit"]')
    expect(box).to_be_focused()
    box.fill("0x200")
    box.press("Enter")
    wait_idle(page)
    expect(page.locator('#mx-regs [data-key="reg:eax"]')).to_contain_text("00000200")
    expect(page.locator('#mx-regs [data-key="reg:eax"]')).to_be_focused()       # focus stays put
    assert page.locator("#mx-actions-text").text_content() == "set eax 0x200"
    click(page, '[data-cmd="run_until"][data-arg="hypercall"]')
    expect(page.locator("#mx-events")).to_contain_text("LHCALL_SEND_INTERRUPTS")


def test_a_bad_action_in_a_link_is_reported_and_the_panel_still_works(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-irq-enable-quiet&actions=step%3Bstpe%202")
    expect(page.locator("#mx-error")).to_be_visible()
    expect(page.locator("#mx-error")).to_contain_text("stpe")
    click(page, '[data-cmd="step"]')
    assert insn_count(page) == 1
    expect(page.locator("#mx-error")).to_be_hidden()


def test_keyboard_only(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-restore-fl-pending")
    controls = page.eval_on_selector_all(
        "#mx-controls button, #mx-controls input, #mx-scenario, #mx-show-insns, #mx .mx-mini",
        "els => els.filter(e => !e.disabled && e.offsetParent !== null)"
        "          .map(e => e.id || (e.dataset.cmd + ':' + (e.dataset.arg || '')))")
    reached, outlines = set(), set()
    page.locator("body").focus()
    for _ in range(400):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement;
            if (!e || !e.closest('#mx')) return null;
            const s = getComputedStyle(e);
            return {key: e.id || (e.dataset.cmd + ':' + (e.dataset.arg || '')), outline: s.outlineStyle + ' ' + s.outlineWidth}; }""")
        if info:
            reached.add(info["key"])
            outlines.add(info["outline"])
        if reached >= set(controls):
            break
    assert set(controls) <= reached, f"not reachable by Tab: {set(controls) - reached}"
    assert all(not o.startswith("none") for o in outlines), outlines     # focus is always visible

    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    press(page, "s")
    press(page, "ArrowRight")
    assert insn_count(page) == 2
    press(page, "b")
    assert insn_count(page) == 1
    press(page, "h")
    expect(page.locator("#mx-announce")).to_contain_text("Host decision")
    page.keyboard.press("?")
    expect(page.locator("#mx-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#mx-help")).to_be_hidden()
    press(page, "Shift+R")
    assert insn_count(page) == 0
    assert page.locator("#mx-actions-text").text_content().startswith("(none")
    press(page, "r")                                          # run to the next decision
    expect(page.locator("#mx-events .mx-ev-decision")).to_have_count(1)
    # Shortcuts stay out of the way while typing in a field.
    page.locator("#mx-irq").focus()
    page.keyboard.press("s")
    assert insn_count(page) == page.evaluate("() => Number(/(\\d+) instruction/.exec(document.getElementById('mx-status').textContent)[1])")


def test_embed_view_is_read_only_with_minimal_chrome(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g033-irq-enable-pending&actions=step%3Bstep&embed=1")
    expect(page.locator(".masthead")).to_be_hidden()
    expect(page.locator(".commentary")).to_be_hidden()
    expect(page.locator('[data-cmd="host_check"]')).to_have_count(0)
    expect(page.locator('#mx-regs button')).to_have_count(0)                 # values are not editable
    expect(page.locator("#mx-scenario")).to_be_disabled()
    assert insn_count(page) == 2
    expect(page.locator('[data-cmd="step"]')).to_have_count(0)               # read-only: it shows, it does not step
    page.keyboard.press("s")
    assert insn_count(page) == 2
    assert "embed=1" in page.url
    expect(page.locator("#mx-open")).to_have_attribute("href", re.compile(r"scenario=g033-irq-enable-pending&actions=step%3Bstep$"))


def test_without_javascript_the_book_page_is_unchanged(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/chapters/G-033")
    expect(page.locator("#machine")).to_be_hidden()
    expect(page.locator(".commentary")).to_be_visible()
    expect(page.locator("#L78")).to_contain_text("testl")
    context.close()


def test_no_content_security_policy_violations(page: Page, live_server):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    open_explorer(page, live_server, "?scenario=g045-iret")
    click(page, '[data-cmd="step"]')
    page.keyboard.press("?")
    page.keyboard.press("Escape")
    assert violations == []
    assert page.evaluate("() => document.querySelectorAll('[style]').length") == 0


def in_view(page: Page, selector) -> bool:
    """The element's box lies inside the viewport: what a screenshot of the viewport shows."""
    box = (page.locator(selector) if isinstance(selector, str) else selector).bounding_box()
    size = page.viewport_size
    return (box is not None and size is not None and box["width"] > 0 and box["height"] > 0
            and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"]
            and box["y"] + box["height"] <= size["height"])


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_screenshots_for_the_readme(page: Page, live_server, screenshots):
    """explorer-steps.png (the panel beside the chapter; the README's explorer.png, a breakpoint hit, comes from
    tests/browser/take_screenshots.py) and docs/screenshots/explorer-decision.png (the log),
    each checked to show what the README's caption says it shows."""
    page.set_viewport_size({"width": 1800, "height": 1060})
    open_explorer(page, live_server, "?scenario=g033-irq-enable-pending")
    for _ in range(3):
        click(page, '[data-cmd="step"]')
    page.evaluate("window.scrollTo(0, 0)")
    # README: "The live machine on G:033: ZF = 1, so the jnz after `testl $0` will not jump"
    expect(flag(page, "ZF").locator(".mx-flag-bit")).to_have_text("1")
    expect(page.locator("#mx-at")).to_contain_text("will not jump (ZF = 1)")
    assert insn_count(page) == 3
    assert in_view(page, "#mx-at") and in_view(page, flag(page, "ZF")), "the caption's subject is off screen"
    assert in_view(page, page.locator(".sl.is-current").first), "the current source line is off screen"
    page.screenshot(path=str(screenshots / "explorer-steps.png"))
    assert png_size(screenshots / "explorer-steps.png") == (1800, 1060)

    open_explorer(page, live_server, "?scenario=g045-iret&actions=step%202%3Bhost_check%3Bstep%3Bhost_check%3Bstep%202%3Bhost_check",
                  chapter="G-045")
    deferred = page.locator(".mx-ev-decision").filter(has_text="noirq_window").first
    deferred.locator("details").evaluate("d => d.open = true")
    page.evaluate("""() => { const m = document.getElementById('machine');
        const log = document.getElementById('mx-log-h').closest('.mx-card');
        m.scrollTop = log.offsetTop - m.offsetTop - 8; }""")
    deferred.evaluate("e => { const list = e.closest('ol'); list.scrollTop = e.offsetTop - list.offsetTop - 4; }")
    # README: "A host decision in G:045: deferred, because EIP is inside the no-interrupt window"
    expect(deferred).to_contain_text("defer")
    assert deferred.locator("details").evaluate("d => d.open")
    assert in_view(page, deferred.locator("summary")), "the deferred decision is off screen"
    page.screenshot(path=str(screenshots / "explorer-decision.png"))
    assert png_size(screenshots / "explorer-decision.png") == (1800, 1060)


def test_the_share_query_keeps_the_line_fragment(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-033#L78")

    expect(page).to_have_url(re.compile(r"\?scenario=[^#]+#L78$"))
