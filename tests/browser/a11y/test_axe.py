"""axe-core finds no serious or critical problem on any page type: contents, a chapter, the explorer after
actions (breakpoint, watch, what-if), a lab, the instructor's class table and the 404 page, at desktop and
phone widths."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page

from .conftest import TOKEN

pytestmark = pytest.mark.browser
AXE = Path(__file__).with_name("axe.min.js")
SERIOUS = ("serious", "critical")


def problems(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                                                                   else str(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in SERIOUS]


def ready(page: Page) -> None:
    page.locator("#mx-regs .mx-reg").first.wait_for()
    page.wait_for_function("() => !document.getElementById('mx').classList.contains('is-busy')")


@pytest.mark.parametrize("width", [1280, 390])
def test_contents(page: Page, live_server, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server}/")
    assert problems(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_chapter_and_explorer_after_actions(page: Page, live_server, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server}/chapters/G-033?scenario=g033-irq-enable-pending"
              "&actions=break%20L79%3Bwatch%20irq_pending%3Bstep%202%3Bcontinue%3Bhost_check")
    ready(page)
    page.locator('[data-cmd="share"]').click()
    assert problems(page) == []


def test_explorer_with_a_what_if_open(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-033?scenario=g033-irq-enable-pending&actions=step%202%3Bhost_check"
              "&whatif=1%3Aset%20irq_enabled%200")
    ready(page)
    page.locator("#mx-whatif h3").wait_for()
    assert problems(page) == []


def test_embed_of_a_shared_decision(page: Page, live_server):
    page.set_viewport_size({"width": 720, "height": 720})
    page.goto(f"{live_server}/chapters/G-045?scenario=g045-iret&embed=1"
              "&actions=step%202%3Bhost_check%3Bstep%3Bhost_check%3Bstep%202%3Bhost_check")
    ready(page)
    page.locator(".mx-ev.is-shared").wait_for()
    assert problems(page) == []


def test_lab(page: Page, live_server):
    page.goto(f"{live_server}/labs/irq-enable-fix")
    page.locator("#mx-regs .mx-reg").first.wait_for()
    assert problems(page) == []
    # a bad edit, run and checked: the error under the line, the result with the build error
    page.locator("#edit-78").fill("\tjnz 1f")
    page.get_by_role("button", name="Run my version").click()
    page.locator("#edit-78-error").wait_for()
    page.get_by_role("button", name="Check my work").click()
    page.locator("#lab-result .lab-build-errors").wait_for()
    assert problems(page) == []


def test_instructor_class_table(page: Page, live_server):
    request = urllib.request.Request(
        f"{live_server}/api/labs/boot-hypercall/grade", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"student": "Ada", "save": True, "actions": "step"}).encode())
    urllib.request.urlopen(request).close()
    page.goto(f"{live_server}/instructor")
    assert problems(page) == []                                  # the log-in form
    page.get_by_label("Instructor token").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Class table").wait_for()
    assert problems(page) == []


def test_not_found_page(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-999")
    assert problems(page) == []
