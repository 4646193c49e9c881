"""Cross-reference pages, as Elixir has them: every defined name with its definitions and its uses.

`/ident/<version>/` lists the names; `/ident/<version>/<name>` shows where it is defined (file, line,
chapter) and every line that uses it, grouped by file; each has a `.json` twin. Data from index/.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from ...errors import NotFound, ToolchainMissing
from ..infra.context import catalog, content_index
from .cache import page_cache
from .chapters import JSON, _known, chapter_link, contents_url, source_url

bp = Blueprint("xref", __name__)


def ident_url(version: str, name: str, json: bool = False) -> str:
    return url_for("xref.ident", version=version, name=name + JSON if json else name)


def _index(version: str):
    index = content_index(version)
    if index is None:
        raise ToolchainMissing("the cross-reference index is not available (on Debian: apt-get install "
                               "universal-ctags)", {"version": version, "debian_packages": ["universal-ctags"]})
    return index


def _line_text(version: str, file: str, line: int, cache: dict) -> str:
    if file not in cache:
        cache[file] = catalog().library.source(version, file).split("\n")
    lines = cache[file]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def ident_data(version: str, name: str) -> dict:
    index = _index(version)
    definitions = index.xref.definitions.get(name)
    if not definitions:
        raise NotFound(f"{name!r} is not defined in the kernel text of {version}",
                       {"version": version, "name": name})
    texts: dict = {}
    by_file: dict[str, list[dict]] = {}
    for use in index.xref.uses.get(name, []):
        by_file.setdefault(use.file, []).append({
            "line": use.line, "chapter": use.chapter, "text": _line_text(version, use.file, use.line, texts),
            "url": source_url(version, use.file, anchor=f"L{use.line}"),
            "chapter_url": chapter_link(version, use.chapter, use.line),
        })
    return {
        "version": version,
        "name": name,
        "url": ident_url(version, name),
        "definitions": [{
            **d.to_json(),
            "text": _line_text(version, d.file, d.line, texts),
            "url": source_url(version, d.file, anchor=f"L{d.line}"),
            "chapter_url": chapter_link(version, d.chapter, d.line, d.end_line),
        } for d in definitions],
        "uses": [{"file": file, "uses": uses} for file, uses in sorted(by_file.items())],
        "use_count": sum(len(uses) for uses in by_file.values()),
    }


def names_data(version: str) -> dict:
    xref = _index(version).xref
    names = []
    for name in xref.names():
        first = xref.definitions[name][0]
        names.append({"name": name, "kind": first.kind, "file": first.file, "line": first.line,
                      "definitions": len(xref.definitions[name]), "uses": len(xref.uses.get(name, [])),
                      "url": ident_url(version, name)})
    return {"version": version, "count": len(names), "names": names}


@bp.get("/ident/<version>/")
def names(version: str):
    version = _known(version)
    index = _index(version)
    return page_cache().get(("idents", version, index.content_hash), lambda: render_template(
        "idents.html", data=names_data(version), home_url=contents_url(version),
        json_url=url_for("xref.names_json", version=version)))


@bp.get("/ident/<version>/index.json")
def names_json(version: str):
    return names_data(_known(version))


@bp.get("/ident/<version>/<name>")
def ident(version: str, name: str):
    version = _known(version)
    if name.endswith(JSON):
        return ident_data(version, name[: -len(JSON)])
    index = _index(version)
    data = ident_data(version, name)
    return page_cache().get(("ident", version, name, index.content_hash), lambda: render_template(
        "ident.html", data=data, home_url=contents_url(version), json_url=ident_url(version, name, json=True),
        names_url=url_for("xref.names", version=version)))
