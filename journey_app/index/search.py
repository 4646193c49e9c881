"""Full-text search over the Journey: chapter prose and code, defined names and file names, in SQLite FTS5.

Owns the database layout, turning a reader's words into a safe FTS5 query (never raw syntax), and
ranking (bm25, titles and names weigh most). Builds into a file; reads with a fresh connection per query.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput

MAX_QUERY_CHARS = 500  # longer input is refused with a 400, not searched
MAX_TERMS = 12
LIMIT = 50
SNIPPET_WORDS = 16
# Snippet markers: control characters, cut from the indexed text, so they can only be ours.
MARK_START, MARK_END = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
# kind weights: a chapter whose title holds the words beats one that mentions them in passing.
_SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    kind UNINDEXED, ref UNINDEXED, extra UNINDEXED, title, body, code,
    tokenize = "unicode61 tokenchars '_'"
);
"""
_WEIGHTS = "bm25(docs, 0.0, 0.0, 0.0, 10.0, 2.0, 1.0)"


@dataclass(frozen=True)
class SearchDoc:
    kind: str  # chapter | name | file
    ref: str  # chapter id, defined name or file path
    extra: str  # a place to show: "file:line"
    title: str
    body: str
    code: str = ""


@dataclass(frozen=True)
class SearchHit:
    kind: str
    ref: str
    extra: str
    title: str
    snippet: str  # plain text with MARK_START/MARK_END around matched words
    score: float

    def to_json(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "place": self.extra, "title": self.title,
                "snippet": self.snippet.replace(MARK_START, "[").replace(MARK_END, "]"), "score": self.score}


@dataclass(frozen=True)
class SearchResults:
    query: str
    terms: tuple[str, ...]
    hits: tuple[SearchHit, ...]

    def to_json(self) -> dict:
        return {"query": self.query, "terms": list(self.terms), "count": len(self.hits),
                "hits": [h.to_json() for h in self.hits]}


def build_database(path: Path, docs: Iterable[SearchDoc]) -> None:
    """Write a fresh database at `path` (the caller renames it into place)."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        # A scratch file renamed into place when done: no journal, no fsync per statement.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO docs (kind, ref, extra, title, body, code) VALUES (?, ?, ?, ?, ?, ?)",
                       [(d.kind, d.ref, d.extra, _clean(d.title), _clean(d.body), _clean(d.code)) for d in docs])
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    # sqlite3's context manager commits but does not close.
    db.close()


def terms_of(query: str) -> tuple[str, ...]:
    """The reader's words: runs of letters, digits and "_"; every other character separates them.

    FTS5 syntax (quotes, AND/OR/NOT/NEAR, `*`, `:`, parentheses) therefore never reaches the engine
    as syntax; a word like AND is searched for as the word "and".
    """
    if not isinstance(query, str):
        raise BadInput("the query must be text", {"field": "q"})
    if len(query) > MAX_QUERY_CHARS:
        raise BadInput(f"the query is longer than {MAX_QUERY_CHARS} characters",
                       {"field": "q", "length": len(query), "max": MAX_QUERY_CHARS})
    terms: list[str] = []
    for word in _WORD.findall(query):
        if word.lower() not in (t.lower() for t in terms):
            terms.append(word)
    return tuple(terms[:MAX_TERMS])


def fts_query(terms: tuple[str, ...]) -> str:
    """Every term as a quoted prefix phrase ("interrupt_pend"*), all required."""
    return " AND ".join('"' + term.replace('"', '""') + '"*' for term in terms)


def search(path: Path, query: str, limit: int = LIMIT) -> SearchResults:
    terms = terms_of(query)
    if not terms:
        return SearchResults(query, terms, ())
    # Read-only and immutable: the file never changes once built, so readers take no locks.
    uri = f"file:{path}?mode=ro&immutable=1"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        rows = db.execute(
            f"SELECT kind, ref, extra, title, "
            f"snippet(docs, 4, '{MARK_START}', '{MARK_END}', ' … ', {SNIPPET_WORDS}), "
            f"snippet(docs, 5, '{MARK_START}', '{MARK_END}', ' … ', {SNIPPET_WORDS}), {_WEIGHTS} AS score "
            f"FROM docs WHERE docs MATCH ? ORDER BY score LIMIT ?",
            (fts_query(terms), limit),
        ).fetchall()
    finally:
        db.close()
    hits = []
    for kind, ref, extra, title, body_snippet, code_snippet, score in rows:
        snippet = body_snippet if MARK_START in body_snippet or not code_snippet else code_snippet
        hits.append(SearchHit(kind, ref, extra, title, snippet, round(-score, 4)))
    return SearchResults(query, terms, tuple(hits))


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)
