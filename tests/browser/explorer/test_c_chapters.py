"""The C chapters in a real browser: every boot.c scenario's tour ends where its golden trace does, a C
line and its instructions light each other up, and the panel shows C variables and the Host's answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from journey_app import paths
from journey_app.runs import load_scenarios

from .test_explorer import click, open_explorer, wait_idle

pytestmark = pytest.mark.browser

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "traces"
C_SCENARIOS = [s for s in load_scenarios(paths.bundled_content_root(), "2.6.31") if s.entry.startswith("journey_c_")]


def test_there_are_at_least_ten_c_scenarios():
    assert len(C_SCENARIOS) >= 10


@pytest.mark.parametrize("scenario", C_SCENARIOS, ids=lambda s: s.id)
def test_each_c_tour_runs_in_the_browser_to_its_golden_state(page: Page, live_server, scenario):
    golden = json.loads((GOLDEN / f"{scenario.id}.json").read_text())["state"]
    chapter = scenario.chapters[0].replace(":", "-")
    open_explorer(page, live_server, f"?scenario={scenario.id}", chapter=chapter)
    click(page, '[data-cmd="tour"]:visible')
    status = page.locator("#mx-status")
    expect(status).to_contain_text(f"{golden['insn_count']} instruction")
    assert page.locator("#mx-actions-text").text_content().strip() == "; ".join(
        a.strip() for a in re.split(r"[;\n]", scenario.actions) if a.strip())
    assert page.errors == []


def test_a_c_line_and_its_instructions_light_each_other_up(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g034-idt-entry", chapter="G-034")
    line = page.locator("#L289")                              # kvm_hypercall3(LHCALL_LOAD_IDT_ENTRY, ...)
    insns = page.locator('.casm-i[data-line="289"][data-file="arch/x86/lguest/boot.c"]')
    assert insns.count() >= 2
    colour = re.search(r"casm-c\d", insns.first.get_attribute("class")).group(0)
    expect(line).to_have_class(re.compile(colour))            # same colour on both sides

    insns.last.hover()                                        # an instruction lights its C line ...
    expect(line).to_have_class(re.compile(r"\bcasm-hot\b"))
    expect(insns.first).to_have_class(re.compile(r"\bcasm-hot\b"))
    page.locator("#L278").hover()                             # ... and a C line all its instructions
    expect(line).not_to_have_class(re.compile(r"\bcasm-hot\b"))
    for i in range(page.locator('.casm-i[data-line="278"]').count()):
        expect(page.locator('.casm-i[data-line="278"]').nth(i)).to_have_class(re.compile(r"\bcasm-hot\b"))
    insns.first.focus()                                       # keyboard: focus does what hover does
    expect(line).to_have_class(re.compile(r"\bcasm-hot\b"))


def test_step_line_shows_the_c_variables_and_the_host_takes_the_gate(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g034-idt-entry&actions=step_line%2011", chapter="G-034")
    expect(page.locator("#L278")).to_have_class(re.compile(r"\bis-current\b"))
    card = page.locator("#mx-locals")
    expect(card).to_be_visible()
    expect(card).to_contain_text("entrynum")
    expect(card).to_contain_text("%edx")
    click(page, '[data-cmd="next_line"]')
    click(page, '[data-cmd="next_line"]')
    expect(page.locator("#mx-events")).to_contain_text("LHCALL_LOAD_IDT_ENTRY")


def test_the_host_section_shows_the_clock_event_and_the_page_tables(page: Page, live_server):
    open_explorer(page, live_server, "?scenario=g038-clockevent&actions=run_until%20hypercall", chapter="G-038")
    expect(page.locator("#mx-host")).to_contain_text("clock event")
    expect(page.locator("#mx-host")).to_contain_text("irq 0 at")
    open_explorer(page, live_server, "?scenario=g038-pagetables&actions=run_until%20journey_done", chapter="G-038")
    expect(page.locator("#mx-host")).to_contain_text("page tables told")


def test_screenshot_of_a_c_chapter_for_the_readme(page: Page, live_server, screenshots):
    """docs/screenshots/c-chapter.png: G:034's C beside its machine code, the Host taking the IDT entry."""
    page.set_viewport_size({"width": 1800, "height": 1060})
    open_explorer(page, live_server, "?scenario=g034-idt-entry&actions=step_line%2011%3Bnext_line%3Bnext_line",
                  chapter="G-034")
    page.evaluate("""() => { const insn = document.querySelector('.casm-i[data-line="289"]');
        document.getElementById('mx-host-h').closest('.mx-card').scrollIntoView({block: 'start'});
        window.scrollTo(0, insn.getBoundingClientRect().top + window.scrollY - 420); }""")
    page.locator('.casm-i[data-line="289"]').first.hover()     # the instruction, its C line and its partners
    wait_idle(page)
    page.screenshot(path=str(screenshots / "c-chapter.png"))
