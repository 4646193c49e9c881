"""Compression of text responses (HTML, CSS, JavaScript, JSON, SVG) in the app itself, with flask-compress:
brotli or gzip as the client accepts, so a course site served without nginx is small on the wire too.
Only the configuration (and reading static text files into memory so they can be compressed); must not
change what a response says.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_compress import Compress

TEXT_TYPES = ["text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
              "application/json", "image/svg+xml"]


def register(app: Flask) -> None:
    app.config.update(COMPRESS_MIMETYPES=TEXT_TYPES, COMPRESS_ALGORITHM=["br", "gzip"], COMPRESS_MIN_SIZE=500,
                      COMPRESS_BR_LEVEL=4, COMPRESS_LEVEL=6, COMPRESS_STREAMS=False)
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
        return response
