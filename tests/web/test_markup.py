"""Every page is well-formed HTML: each element closed in order, ids unique (the explorer finds lines by id)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
PAGES = ["/", "/chapters/G-020", "/chapters/G-033", "/chapters/G-045", "/chapters/G-055", "/chapters/M-004",
         "/source/2.6.31/arch/x86/lguest/i386_head.S", "/chapters/G-999"]


class Checker(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, tuple]] = []
        self.problems: list[str] = []
        self.ids: Counter = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids[value] += 1
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


@pytest.mark.parametrize("url", PAGES)
def test_page_is_well_formed_with_unique_ids(client, url):
    checker = Checker()
    checker.feed(client.get(url).get_data(as_text=True))
    checker.close()
    assert checker.problems == []
    assert checker.stack == []
    assert [name for name, count in checker.ids.items() if count > 1] == []


@pytest.mark.parametrize("url", PAGES[:-1])
def test_page_has_one_h1_a_skip_link_and_a_main(client, url):
    html = client.get(url).get_data(as_text=True)
    assert html.count("<h1") == 1
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert '<html lang="en">' in html
