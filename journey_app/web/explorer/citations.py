"""Links from what the Host did to the kernel code it follows: each decision, hypercall, kill and
rewrite event gets `citations` (file, function, lines, chapter, url) from host/citations.py.

The url opens the chapter with the cited lines marked (`/chapters/H-205?hl=166-179#L166`), or the
whole file at that line when no chapter holds them. Citations are line numbers of one kernel version.
"""

from __future__ import annotations

from ...host import citations
from ..pages.chapters import chapter_link, source_url

CITED_KINDS = ("decision", "hypercall", "killed", "rewrite")


def citation_url(version: str, c: citations.Citation) -> str:
    if c.chapter is not None:
        return chapter_link(version, c.chapter, c.first, c.last)
    return source_url(version, c.file, anchor=f"L{c.first}")


def event_citations(event: dict) -> list[citations.Citation]:
    kind = event.get("kind")
    found: list[citations.Citation | None] = []
    if kind == "decision":
        found = [citations.for_rule(rule) for rule in (event.get("rules") or [event.get("rule")])]
    elif kind == "hypercall":
        found = [citations.for_hypercall(event.get("name"))]
    elif kind == "killed":
        found = [citations.for_kill(str(event.get("reason", "")))]
    elif kind == "rewrite":
        found = [citations.RULES["rewrite"]]
    return [c for c in found if c is not None]


def cite_events(version: str, events: list[dict]) -> None:
    """Adds `citations` in place to the events that have them (only for the version the lines are of)."""
    if version != citations.VERSION:
        return
    for event in events:
        if event.get("kind") in CITED_KINDS:
            event["citations"] = [{**c.to_json(), "url": citation_url(version, c)} for c in event_citations(event)]
