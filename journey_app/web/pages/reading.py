"""Reading the Journey whole: one stage as a continuous, printable page (as `make Host` prints it, with
the code highlighted), and the chapters in file order. Each page has a `.json` twin.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from ...errors import NotFound
from ...journey import STAGES
from ..infra.context import catalog
from .cache import page_cache
from .listing import listing
from .chapters import JSON, _is_default, _known, _split_ref, contents_data, contents_url, summary

bp = Blueprint("reading", __name__)


def stage_url(version: str, letter: str, json: bool = False) -> str:
    ref = letter + JSON if json else letter
    if _is_default(version):
        return url_for("reading.stage", ref=ref)
    return url_for("reading.version_stage", version=version, ref=ref)


def files_url(version: str, json: bool = False) -> str:
    if _is_default(version):
        return url_for("reading.files_json" if json else "reading.files")
    return url_for("reading.version_files_json" if json else "reading.version_files", version=version)


def _stage_letter(version: str, ref: str) -> str:
    letter = ref.upper() if len(ref) == 1 else next((k for k, v in STAGES.items() if v.lower() == ref.lower()), "")
    if letter not in STAGES or not any(c.stage == letter for c in catalog().library.chapters(version)):
        raise NotFound(f"no stage {ref!r} in kernel {version}", {"version": version, "stage": ref,
                                                                 "known": list(STAGES)})
    return letter


def stage_data(version: str, letter: str) -> dict:
    chapters = [c for c in catalog().library.chapters(version) if c.stage == letter]
    letters = [s for s in STAGES if any(c.stage == s for c in catalog().library.chapters(version))]
    at = letters.index(letter)
    return {
        "version": version, "stage": letter, "name": STAGES[letter], "url": stage_url(version, letter),
        "prev": stage_url(version, letters[at - 1]) if at > 0 else None,
        "next": stage_url(version, letters[at + 1]) if at + 1 < len(letters) else None,
        "chapters": [{**summary(c), "text": c.text} for c in chapters],
    }


def render_stage(version: str, ref: str):
    ref, as_json = _split_ref(ref)
    letter = _stage_letter(version, ref)
    if as_json:
        return stage_data(version, letter)
    key = ("stage", version, letter, catalog().library.content_hash(version), catalog().build(version).input_hash)

    def render() -> str:
        data = stage_data(version, letter)
        sections = []
        for c in (catalog().library.chapter(version, entry["id"]) for entry in data["chapters"]):
            lines = listing(version, c.file).span(c.start_line, c.end_line)
            sections.append({"chapter": c, "summary": summary(c),
                             "code": [line for line in lines if line.role not in ("commentary",)]})
        return render_template("stage.html", data=data, sections=sections, home_url=contents_url(version),
                               json_url=stage_url(version, letter, json=True))

    return page_cache().get(key, render)


def files_data(version: str) -> dict:
    data = contents_data(version)
    return {"version": version, "files": data["files"], "file_order": data["file_order"]}


def render_files(version: str, as_json: bool):
    data = files_data(version)
    if as_json:
        return data
    by_id = {c["id"]: c for c in data["file_order"]}
    return render_template("files.html", data=data, by_id=by_id, home_url=contents_url(version),
                           json_url=files_url(version, json=True))


@bp.get("/stages/<ref>")
def stage(ref: str):
    return render_stage(catalog().default_version(), ref)


@bp.get("/v/<version>/stages/<ref>")
def version_stage(version: str, ref: str):
    return render_stage(_known(version), ref)


@bp.get("/files")
def files():
    return render_files(catalog().default_version(), as_json=False)


@bp.get("/files.json")
def files_json():
    return render_files(catalog().default_version(), as_json=True)


@bp.get("/v/<version>/files")
def version_files(version: str):
    return render_files(_known(version), as_json=False)


@bp.get("/v/<version>/files.json")
def version_files_json(version: str):
    return render_files(_known(version), as_json=True)


@bp.app_context_processor
def reading_helpers() -> dict:
    return {"stage_url": stage_url, "files_url": files_url}

