"""`GET /search?q=` and its `/search.json` twin: the Journey's chapters, names and files, ranked.

Thin: the words go to index/search.py (which never passes FTS5 syntax through); here hits become
links and snippets become HTML with <mark> around the matched words (the text itself escaped).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup, escape

from ...errors import BadInput
from ...index.search import MARK_END, MARK_START, SearchHit
from ..infra.context import catalog, content_index
from .chapters import chapter_link, contents_url, source_url
from .xref import ident_url

bp = Blueprint("search", __name__)

KINDS = {"chapter": "Chapter", "name": "Name", "file": "File"}


def hit_url(version: str, hit: SearchHit) -> str:
    if hit.kind == "chapter":
        return chapter_link(version, hit.ref)
    if hit.kind == "name":
        return ident_url(version, hit.ref)
    return source_url(version, hit.ref)


def snippet_html(snippet: str) -> Markup:
    text = str(escape(snippet))
    return Markup(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def search_data() -> tuple[dict, list[dict]]:
    query = request.args.get("q", "")
    if "\0" in query:
        raise BadInput("the query holds a NUL byte", {"field": "q"})
    version = request.args.get("version") or catalog().default_version()
    if version not in catalog().versions():
        raise BadInput(f"no kernel version {version!r}", {"field": "version", "known": catalog().versions()})
    index = content_index(version)
    if index is None:
        results_json: dict = {"query": query, "terms": [], "count": 0, "hits": [], "unavailable": True}
        return {"version": version, **results_json}, []
    results = index.search(query)
    hits = [{**hit.to_json(), "url": hit_url(version, hit)} for hit in results.hits]
    views = [{**h, "kind_name": KINDS[hit.kind], "snippet_html": snippet_html(hit.snippet)}
             for h, hit in zip(hits, results.hits, strict=True)]
    return {"version": version, **results.to_json(), "hits": hits}, views


@bp.get("/search")
def search():
    data, views = search_data()
    return render_template("search.html", data=data, hits=views, home_url=contents_url(data["version"]),
                           json_url=url_for("search.search_json", q=data["query"]))


@bp.get("/search.json")
def search_json():
    return search_data()[0]
