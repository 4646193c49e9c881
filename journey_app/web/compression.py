"""Compression of text responses (HTML, CSS, JavaScript, JSON, SVG) in the app itself, with flask-compress:
brotli or gzip as the client accepts, so a course site served without nginx is small on the wire too.
Only the configuration; must not touch response bodies itself.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

TEXT_TYPES = ["text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
              "application/json", "image/svg+xml"]


def register(app: Flask) -> None:
    app.config.update(COMPRESS_MIMETYPES=TEXT_TYPES, COMPRESS_ALGORITHM=["br", "gzip"], COMPRESS_MIN_SIZE=500,
                      COMPRESS_BR_LEVEL=4, COMPRESS_LEVEL=6, COMPRESS_STREAMS=False)
    Compress(app)
