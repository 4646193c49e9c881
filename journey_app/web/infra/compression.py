"""Compression of text responses (HTML, CSS, JavaScript, JSON, SVG) in the app itself, with flask-compress:
brotli or gzip as the client accepts, so a course site served without nginx is small on the wire too.
Only the configuration (and reading static text files into memory so they can be compressed); must not
change what a response says.

A response that sends a cached page unchanged (pages/cache.py calls `sending_cached`), or a static text
file (named by its ETag), keeps its compressed forms too ("web.compressed_pages"): brotli of a 300 KB
chapter page costs ~9 ms, twenty times the rest of the view. Every other response is compressed per request.
"""

from __future__ import annotations

import re

from flask import Flask, Response, g, request
from flask_compress import Compress

from ...caches import BoundedCache

TEXT_TYPES = ["text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
              "application/json", "image/svg+xml"]


NOT_KEPT = "-"                  # the key of a response that is not a cached page
CACHE_KEY = "journey.compressed_pages"
COMPRESSED_BYTES = 8 * 1024 * 1024


def sending_cached(identity: tuple | None) -> None:
    """This request's response body is, byte for byte, the cached page `identity` names (None: it is not,
    whatever was said before). Its compressed forms are then kept under that identity."""
    g.journey_cached_page = identity


class CompressedPages:
    """flask-compress's cache backend: get/set by "<algorithm>;<identity>", keeping only cached pages."""

    def __init__(self) -> None:
        self._bodies: BoundedCache[str, bytes] = BoundedCache("web.compressed_pages", COMPRESSED_BYTES,
                                                              sizeof=lambda key, body: len(key) + len(body))

    def get(self, key: str) -> bytes | None:
        return None if key.endswith(";" + NOT_KEPT) else self._bodies.get(key)

    def set(self, key: str, body: bytes) -> None:
        if not key.endswith(";" + NOT_KEPT):
            self._bodies.put(key, body)

    def stats(self) -> dict:
        return self._bodies.stats()


def _identity(_request) -> str:
    found = g.get("journey_cached_page")
    return NOT_KEPT if found is None else repr(found)


_REFUSED = re.compile(r"^\s*q\s*=\s*0(?:\.0{0,3})?\s*$", re.IGNORECASE)   # RFC 9110 12.4.2: "q=" is ABNF text, any case


def _accepted_codings(header: str) -> str:
    """Accept-Encoding without the codings the client refuses (`br;q=0`): flask-compress treats a coding
    of quality 0 as a candidate and sends brotli to `Accept-Encoding: br;q=0` (RFC 9110 12.5.3: "not
    acceptable")."""
    kept = [part for part in header.split(",") if not any(_REFUSED.match(p) for p in part.split(";")[1:])]
    return ",".join(kept)


def register(app: Flask) -> None:
    @app.before_request
    def _drop_refused_codings() -> None:
        header = request.environ.get("HTTP_ACCEPT_ENCODING")
        if header and ("q" in header or "Q" in header):
            request.environ["HTTP_ACCEPT_ENCODING"] = _accepted_codings(header)

    pages = app.extensions.setdefault(CACHE_KEY, CompressedPages())
    app.config.update(COMPRESS_MIMETYPES=TEXT_TYPES, COMPRESS_ALGORITHM=["br", "gzip"], COMPRESS_MIN_SIZE=500,
                      COMPRESS_BR_LEVEL=4, COMPRESS_LEVEL=6, COMPRESS_STREAMS=False,
                      COMPRESS_CACHE_BACKEND=lambda: pages, COMPRESS_CACHE_KEY=_identity)
    Compress(app)

    # Registered after Compress, so it runs before it (Flask runs after_request handlers last-in first-out).
    @app.after_request
    def read_static_text(response: Response) -> Response:
        """A static file is sent as a streamed file wrapper, which flask-compress leaves alone (or, streaming,
        never closes): read our small text assets into memory and close the file, so they are compressed."""
        if response.direct_passthrough and response.status_code == 200 and response.mimetype in TEXT_TYPES:
            source = response.response
            try:
                body = b"".join(c if isinstance(c, bytes) else c.encode() for c in source)
            finally:
                close = getattr(source, "close", None)
                if close is not None:
                    close()
            response.direct_passthrough = False
            response.set_data(body)
            # The file's ETag (path, mtime and size) names these bytes: compress them once, not per request.
            etag, _weak = response.get_etag()
            sending_cached(("static", request.path, etag) if etag else None)
        return response
