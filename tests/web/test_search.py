"""GET /search and /search.json: ranked hits over chapters, names and files; hostile input is 4xx or 200."""

from __future__ import annotations

import pytest


def test_a_function_name_finds_its_definition_and_its_chapter_first(client):
    data = client.get("/search.json?q=interrupt_pending").get_json()
    refs = [(h["kind"], h["ref"]) for h in data["hits"][:3]]
    assert ("name", "interrupt_pending") in refs and ("chapter", "H:205") in refs
    assert data["hits"][0]["url"].startswith(("/ident/", "/chapters/"))


def test_prose_words_rank_chapters_and_snippets_mark_the_words(client):
    html = client.get("/search?q=virtual+interrupts").get_data(as_text=True)
    assert "<mark>" in html and 'href="/chapters/H-205"' in html


def test_file_names_are_found(client):
    hits = client.get("/search.json?q=page_tables").get_json()["hits"]
    assert any(h["kind"] == "file" and h["ref"] == "drivers/lguest/page_tables.c" for h in hits)


def test_search_box_is_on_every_page_and_works_without_javascript(client):
    for path in ("/", "/chapters/G-033", "/stages/H", "/ident/2.6.31/interrupt_pending", "/files"):
        html = client.get(path).get_data(as_text=True)
        assert '<form class="masthead-search" action="/search" method="get" role="search">' in html, path


@pytest.mark.parametrize("query", ['"', '""', "AND", "OR NOT", "*", "NEAR(", "NEAR(a b", "a:b", "^x", "(", ")",
                                   "col:term", "' OR 1=1 --", "%", "\\", "{x}", "-a", "+", "\u202e", "💥"])
def test_fts5_syntax_is_never_a_500(client, query):
    for path in ("/search", "/search.json"):
        response = client.get(path, query_string={"q": query})
        assert response.status_code == 200, (path, query)


def test_too_long_nul_and_bad_utf8_are_4xx_or_200(client):
    assert client.get("/search.json", query_string={"q": "a" * 10240}).status_code == 400
    assert client.get("/search.json", query_string={"q": "a\0b"}).status_code == 400
    assert client.get("/search.json?q=%ff%fe%80").status_code in (200, 400)
    assert client.get("/search?q=%ff%fe%80").status_code in (200, 400)
    assert client.get("/search.json", query_string={"q": "x", "version": "../../etc"}).status_code == 400


def test_empty_query_shows_the_form(client):
    html = client.get("/search").get_data(as_text=True)
    assert 'id="search-page-q"' in html and "result" not in html.split('id="search-h"')[1].split("</form>")[1]
