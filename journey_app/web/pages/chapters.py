"""HTML pages and their `.json` twins: the table of contents, a chapter beside its source, a whole file.

Each page is one plain dict (its JSON twin) plus the view objects the template needs; chapters come
from the Library, bytes from the Build, colours from highlight.py. No domain rules live here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import overload
from urllib.parse import urlencode

from flask import Blueprint, has_request_context, redirect, render_template, request, url_for
from markupsafe import Markup

from ...caches import BoundedCache
from ...errors import JourneyError, NotFound
from ...journey import STAGES, Chapter
from ...journey.model_notes import ModelNote
from .c_asm import c_asm_view
from ..infra.context import catalog, content_index, default_version
from .highlight import typeset_prose
from .linking import link_chapter_mentions, link_code_words
from .listing import CACHE_KEY, Listing, SourceLine, chapter_blocks, listing, listing_cache, notes_by_line
from .cache import page_cache

bp = Blueprint("pages", __name__)

JSON = ".json"

@bp.record_once
def _attach_cache(state) -> None:
    state.app.extensions.setdefault(CACHE_KEY, listing_cache())

def _is_default(version: str) -> bool:
    """The newest version gets the short URLs (/chapters/G-033); asked once per request."""
    return version == default_version()


def contents_url(version: str, json: bool = False) -> str:
    if _is_default(version):
        return url_for("pages.index_json" if json else "pages.index")
    return url_for("pages.version_index_json" if json else "pages.version_index", version=version)


# A chapter's URL by its shape: every graded lab links its checks' chapters (three url_for calls, a tenth of
# a stored grade) and pages link many; url_for is the same function of these keys for the app's one URL map.
_CHAPTER_URLS: BoundedCache[tuple, str] = BoundedCache("web.chapter_urls", 1 << 18, sizeof=lambda key, url: 256)


def chapter_url(version: str, slug: str, json: bool = False, anchor: str | None = None) -> str:
    ref = slug + JSON if json else slug
    default = _is_default(version)
    if not has_request_context():   # url_for outside a request builds from the app's configuration
        return _chapter_url(default, version, ref, anchor)
    return _CHAPTER_URLS.get_or_make((request.script_root, default, version, ref, anchor),
                                     lambda: _chapter_url(default, version, ref, anchor))


def _chapter_url(default: bool, version: str, ref: str, anchor: str | None) -> str:
    if default:
        return url_for("pages.chapter", ref=ref, _anchor=anchor)
    return url_for("pages.version_chapter", version=version, ref=ref, _anchor=anchor)


@overload
def chapter_link(version: str, chapter: str, first: int | None = None, last: int | None = None) -> str: ...
@overload
def chapter_link(version: str, chapter: None, first: int | None = None, last: int | None = None) -> None: ...
def chapter_link(version: str, chapter: str | None, first: int | None = None, last: int | None = None) -> str | None:
    """A chapter's URL by its id ("H:205"), with the lines to highlight (`?hl=first-last#Lfirst`) when given."""
    if chapter is None:
        return None
    slug = chapter.replace(":", "-")
    if first is None:
        return chapter_url(version, slug)
    return chapter_url(version, slug) + f"?hl={first}-{last or first}#L{first}"


def source_url(version: str, file: str, json: bool = False, anchor: str | None = None) -> str:
    return url_for("pages.source", version=version, file=file + JSON if json else file, _anchor=anchor)


def summary(chapter: Chapter) -> dict:
    return {
        "id": chapter.id, "slug": chapter.slug, "stage": chapter.stage, "stage_name": chapter.stage_name,
        "number": chapter.number, "title": chapter.title, "file": chapter.file,
        "start_line": chapter.start_line, "end_line": chapter.end_line,
        "url": chapter_url(chapter.version, chapter.slug),
        "json": chapter_url(chapter.version, chapter.slug, json=True),
    }


def error_json(error: JourneyError) -> dict:
    detail = error.detail or {}
    return {"code": error.code, "message": error.message, "file": detail.get("file"), "line": detail.get("line")}


def _split_ref(ref: str) -> tuple[str, bool]:
    return (ref[: -len(JSON)], True) if ref.endswith(JSON) else (ref, False)


# -- pages ------------------------------------------------------------------------------------------


def contents_data(version: str) -> dict:
    cat = catalog()
    library = cat.library
    journey = library.chapters(version)
    file_order = library.chapters_in_file_order(version)
    stages = [
        {"stage": letter, "name": name, "chapters": [c.id for c in journey if c.stage == letter]}
        for letter, name in STAGES.items()
        if any(c.stage == letter for c in journey)
    ]
    files: list[dict] = []
    for chapter in file_order:
        if not files or files[-1]["file"] != chapter.file:
            files.append({"file": chapter.file, "url": source_url(version, chapter.file), "chapters": []})
        files[-1]["chapters"].append(chapter.id)
    return {
        "version": version,
        "default_version": cat.default_version(),
        "versions": [{"version": v, "url": contents_url(v), "json": contents_url(v, json=True)}
                     for v in cat.versions()],
        "journey_order": [summary(c) for c in journey],
        "file_order": [summary(c) for c in file_order],
        "stages": stages,
        "files": files,
        "errors": sorted((error_json(e) for e in library.errors(version)),
                         key=lambda e: (e["file"] or "", e["line"] or 0)),
    }


def render_contents(version: str, as_json: bool):
    if as_json:
        return contents_data(version)
    index = content_index(version)
    names_url = url_for("xref.names", version=version) if index is not None else None

    def render() -> str:
        data = contents_data(version)
        by_id = {c["id"]: c for c in data["journey_order"]}
        return render_template("contents.html", data=data, by_id=by_id, home_url=contents_url(version),
                               json_url=contents_url(version, json=True), names_url=names_url)

    # Chapters and their errors follow from the content hash; the version list is the rest of the page.
    key = ("contents", version, names_url, tuple(catalog().versions()), catalog().library.content_hash(version))
    return page_cache().get(key, render)


def chapter_data(version: str, chapter: Chapter, code: Listing) -> dict:
    journey = catalog().library.chapters(version)
    position = next(i for i, c in enumerate(journey) if c.id == chapter.id)
    prev_chapter = journey[position - 1] if position > 0 else None
    next_chapter = journey[position + 1] if position + 1 < len(journey) else None
    notes = notes_by_line(chapter)
    span = code.span(chapter.start_line, chapter.end_line)
    return {
        "version": version,
        "chapter": chapter.to_json(),
        "url": chapter_url(version, chapter.slug),
        "source_url": source_url(version, chapter.file, anchor=f"L{chapter.start_line}"),
        "position": {"index": position + 1, "of": len(journey)},
        "prev": prev_chapter.id if prev_chapter else None,
        "next": next_chapter.id if next_chapter else None,
        "lines": [line.to_json(notes.get(line.line)) for line in span],
        "memory": memory_summary(span),
        "build": code.build_json(),
        "build_error": None if code.build_error is None else code.build_error.to_json()["error"],
        "model_notes": [model_note_json(version, note) for note in catalog().library.model_notes(version, chapter.id)],
    }


def model_note_json(version: str, note: ModelNote) -> dict:
    """A model note as the page and its JSON twin show it: with the link that marks the cited lines, and the
    explorer link that opens its run (the chapter page with the machine, its scenario and actions)."""
    data = note.to_json()
    if note.cites is not None:
        data["cites"]["url"] = chapter_link(version, note.chapter, note.cites.first, note.cites.last)
    if note.try_run is not None:
        query = {"scenario": note.try_run.scenario}
        if note.try_run.actions:
            query["actions"] = note.try_run.actions
        data["try"]["url"] = f"{chapter_link(version, note.try_run.chapter)}?{urlencode(query)}"
    return data


def memory_summary(lines: tuple[SourceLine, ...]) -> dict | None:
    """What the chapter's lines became: instruction and byte counts, the address range, its labels."""
    placed = [line.code for line in lines if line.code is not None]
    if not placed:
        return None
    return {
        "instructions": sum(len(code.insns) for code in placed),
        "bytes": sum(code.size for code in placed),
        "start": min(code.address for code in placed),
        "end": max(code.address + code.size for code in placed),
        "labels": [{"name": line.label, "address": line.label_address, "line": line.line}
                   for line in lines if line.label is not None],
    }


_HIGHLIGHT = re.compile(r"^([0-9]{1,6})(?:-([0-9]{1,6}))?$")


def highlighted_lines(chapter: Chapter) -> tuple[int, int] | None:
    """`?hl=120-135` (or `?hl=120`): lines of the chapter to mark, as a decision's citation links them.

    Clipped to the chapter; anything else is ignored (a bad `hl` never makes an error page).
    """
    match = _HIGHLIGHT.match(request.args.get("hl", ""))
    if match is None:
        return None
    first = int(match.group(1))
    last = int(match.group(2) or first)
    first, last = max(first, chapter.start_line), min(last, chapter.end_line)
    return (first, last) if first <= last else None


def render_chapter(version: str, ref: str, canonical_redirect: bool):
    ref, as_json = _split_ref(ref)
    library = catalog().library
    chapter = library.chapter(version, ref)
    if not as_json and canonical_redirect and ref != chapter.slug:
        return redirect(chapter_url(version, chapter.slug) + (f"?{request.query_string.decode('latin-1')}"
                                                              if request.query_string else ""), code=301)
    if as_json:
        return chapter_data(version, chapter, listing(version, chapter.file))
    hl = highlighted_lines(chapter)
    index = content_index(version)
    try:
        build_hash: str | None = catalog().build(version).input_hash
    except JourneyError:
        build_hash = None  # the page still shows the text; listing() says why there are no bytes
    embed = request.args.get("embed") == "1"          # machine_panel.html reads it: a page of its own
    key = ("chapter", version, chapter.slug, hl, library.content_hash(version),
           index.content_hash if index is not None else None, build_hash, embed)

    def render() -> str:
        code = listing(version, chapter.file)
        data = chapter_data(version, chapter, code)
        journey = {c.id: c for c in library.chapters(version)}
        later = [c.start_line for c in library.chapters_in_file_order(version)
                 if c.file == chapter.file and c.start_line > chapter.start_line]
        return render_template(
            "chapter.html", data=data, chapter=chapter,
            casm=c_asm_view(code.build, chapter, min(later) if later else None),
            blocks=chapter_blocks(chapter, code.span(chapter.start_line, chapter.end_line)),
            prev=summary(journey[data["prev"]]) if data["prev"] else None,
            next=summary(journey[data["next"]]) if data["next"] else None,
            build=code.build, build_error=code.build_error, assembler=code.assembler,
            json_url=chapter_url(version, chapter.slug, json=True),
            home_url=contents_url(version), hl=hl, compact=not code.assembled,
            stage_page_url=url_for("reading.stage", ref=chapter.stage) if _is_default(version)
            else url_for("reading.version_stage", version=version, ref=chapter.stage),
        )

    from ..explorer.boot import PLACEHOLDER, with_boot  # the live machine's first run, cached per request shape

    html = page_cache().get(key, render)
    # Asked once per page, not per view: searching 300 KB of HTML for the placeholder cost more than the rest.
    if not _HAS_MACHINE.get_or_make(key, lambda: PLACEHOLDER in html):
        return html  # no machine on this page (an assembler-less chapter): nothing per request
    index_key = (version, library.content_hash(version), _is_default(version), request.script_root)
    return with_boot(html, key, version, chapter.id, index_key, lambda: _JOURNEY_INDEX.get_or_make(
        index_key, lambda: boot_index(version, library.chapters(version))))


def boot_index(version: str, chapters: Iterable[Chapter]) -> dict | list[dict]:
    """The chapter index an explorer page carries (event links name chapters): {"url": prefix, "titles":
    [[id, title], ...]} where each chapter's url is the prefix and its id with "-" for ":" (static/js/
    explorer/main.js, chapterMap), a third of the bytes of a list of {id, url, title}, which it is when a
    url does not follow that rule."""
    rows = [{"id": c.id, "url": chapter_url(version, c.slug), "title": c.title} for c in chapters]
    if not rows:
        return rows
    prefix = rows[0]["url"][: -len(rows[0]["id"])]
    if any(row["url"] != prefix + row["id"].replace(":", "-") for row in rows):
        return rows
    return {"url": prefix, "titles": [[row["id"], row["title"]] for row in rows]}


# Which cached chapter pages hold the live machine's placeholder (keys as the page cache's).
_HAS_MACHINE: BoundedCache[tuple, bool] = BoundedCache("web.machine_pages", 1 << 18, sizeof=lambda key, has: 512)

# The chapter index every explorer page carries (137 url_for calls): made once per content, not per view.
_JOURNEY_INDEX: BoundedCache[tuple, dict | list[dict]] = BoundedCache("web.journey_index", 1 << 20, oversize=1)


def source_data(version: str, file: str, code: Listing) -> dict:
    chapters = [summary(c) for c in catalog().library.chapters_in_file_order(version) if c.file == file]
    return {
        "version": version,
        "file": file,
        "url": source_url(version, file),
        "chapters": chapters,
        "lines": [line.to_json() for line in code.lines],
        "build": code.build_json(),
        "build_error": None if code.build_error is None else code.build_error.to_json()["error"],
    }


def render_source(version: str, file: str):
    library = catalog().library
    as_json = False
    if file.endswith(JSON):
        try:
            library.source(version, file)
        except JourneyError:
            file, as_json = file[: -len(JSON)], True
    code = listing(version, file)
    if as_json:
        return source_data(version, file, code)

    def render() -> str:
        data = source_data(version, file, code)
        regions: list[dict] = []
        by_id = {c["id"]: c for c in data["chapters"]}
        for line in code.lines:
            if not regions or regions[-1]["chapter_id"] != line.chapter:
                regions.append({"chapter_id": line.chapter, "chapter": by_id.get(line.chapter), "lines": []})
            regions[-1]["lines"].append(line)
        return render_template("source.html", data=data, regions=regions, build=code.build,
                               compact=not code.assembled, build_error=code.build_error,
                               json_url=source_url(version, file, json=True), home_url=contents_url(version))

    return page_cache().get(("source", code.key, library.content_hash(version)), render)


@bp.get("/")
def index():
    return render_contents(catalog().default_version(), as_json=False)


@bp.get("/index.json")
def index_json():
    return render_contents(catalog().default_version(), as_json=True)


@bp.get("/v/<version>/")
def version_index(version: str):
    return render_contents(_known(version), as_json=False)


@bp.get("/v/<version>/index.json")
def version_index_json(version: str):
    return render_contents(_known(version), as_json=True)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico before reading <link rel="icon">: send them to the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/chapters/<ref>")
def chapter(ref: str):
    return render_chapter(catalog().default_version(), ref, canonical_redirect=True)


@bp.get("/v/<version>/chapters/<ref>")
def version_chapter(version: str, ref: str):
    return render_chapter(_known(version), ref, canonical_redirect=True)


@bp.get("/source/<version>/<path:file>")
def source(version: str, file: str):
    return render_source(_known(version), file)


def _known(version: str) -> str:
    versions = catalog().versions()
    if version not in versions:
        raise NotFound(f"no kernel version {version!r}", detail={"version": version, "known": versions})
    return version


# -- template helpers --------------------------------------------------------------------------------


@bp.app_template_filter("prose")
def prose_filter(text: str) -> Markup:
    return typeset_prose(text)


@bp.app_template_filter("prose_linked")
def prose_linked_filter(text: str, version: str) -> Markup:
    """Commentary with its mentions linked: chapter ids, kernel files, names the code defines."""
    library = catalog().library
    index = content_index(version)
    names = index.xref.definitions if index is not None else {}
    files = set(library.files(version))

    def word_href(word: str) -> str | None:
        name = word.removesuffix("()")
        if name in names:
            return url_for("xref.ident", version=version, name=name)
        if word in files:
            return source_url(version, word)
        return None

    def chapter_href(letter: str, digits: str) -> str | None:
        try:
            return chapter_url(version, library.chapter(version, f"{letter}:{digits}").slug)
        except NotFound:
            return None

    return link_chapter_mentions(link_code_words(typeset_prose(text), word_href), chapter_href)


@bp.app_template_filter("hex32")
def hex32_filter(value: int | None) -> str:
    return "" if value is None else f"{value:08x}"


@bp.app_context_processor
def page_helpers() -> dict:
    return {"chapter_url": chapter_url, "source_url": source_url, "contents_url": contents_url}
