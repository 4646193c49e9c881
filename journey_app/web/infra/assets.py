"""The site's CSS and JavaScript as a browser gets them: minified by esbuild (Debian's `esbuild`), once per
version of each file, at the URL of the readable file in static/.

The files in static/ stay the source people read and edit; what is sent is the same code without comments
and whitespace, local names shortened (a boot.c chapter loads ~155 KB of it as written, ~95 KB minified).
ES modules stay modules, one file each, so their imports and the modulepreload links are unchanged.
Without esbuild (a bare checkout) or with the setting off, the file is sent as it is written.

Only the bytes change, never what the code does: every browser test runs against the minified files.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import shutil
import subprocess

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

from .compression import sending_cached

# esbuild's loader for each suffix it minifies.
LOADERS = {".js": "js", ".css": "css"}
CONFIG_KEY = "JOURNEY_MINIFY_ASSETS"
TIMEOUT_SECONDS = 5      # esbuild takes milliseconds on our files; one that hangs costs one request this long

# path -> (mtime_ns, size, minified bytes or None when esbuild could not). Not a BoundedCache on purpose:
# it holds at most one entry per file in static/ (~130 KB in all), and a share of a small JOURNEY_CACHE_MB
# would drop the larger files and run esbuild (~20 ms) at every request for them.
_MINIFIED: dict[str, tuple[int, int, bytes | None]] = {}
_log = logging.getLogger(__name__)


def esbuild() -> str | None:
    return shutil.which("esbuild")


def minify(source: bytes, loader: str) -> bytes | None:
    """esbuild --minify of one file's bytes (None when esbuild is missing or refuses them: send the source)."""
    program = esbuild()
    if program is None:
        return None
    try:
        done = subprocess.run([program, "--minify", f"--loader={loader}", "--log-level=error", "--charset=utf8"],
                              input=source, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        _log.warning("esbuild could not minify a %s file: %s", loader, err)
        return None
    if done.returncode != 0 or not done.stdout:
        _log.warning("esbuild refused a %s file: %s", loader, done.stderr.decode("utf-8", "replace")[:500])
        return None
    return done.stdout


def _minified_file(path: str, loader: str, stat: os.stat_result) -> bytes | None:
    """The file's minified bytes, made once per version of it (a failure too is remembered)."""
    found = _MINIFIED.get(path)
    if found is not None and found[:2] == (stat.st_mtime_ns, stat.st_size):
        return found[2]
    try:
        with open(path, "rb") as handle:
            body = minify(handle.read(), loader)
    except OSError:
        return None
    _MINIFIED[path] = (stat.st_mtime_ns, stat.st_size, body)
    return body


def warm(folder: str) -> int:
    """Minify every .js and .css file under `folder` now (gunicorn_conf.on_starting calls this in the master,
    before the workers fork and inherit the bytes, so that no request waits for esbuild); returns how many
    files were made. A file that changes later is minified again on its first request."""
    made = 0
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            loader = LOADERS.get(os.path.splitext(name)[1])
            if loader is None:
                continue
            path = os.path.join(root, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if _minified_file(path, loader, stat) is not None:
                made += 1
    return made


def _minified_static(filename: str) -> tuple[bytes, os.stat_result] | None:
    """The minified bytes of static/<filename> and the file's stat, or None (not .js/.css, no such file,
    minifying off or impossible: Flask's own view sends the file)."""
    loader = LOADERS.get(os.path.splitext(filename)[1])
    folder = current_app.static_folder
    if loader is None or folder is None or not current_app.config[CONFIG_KEY]:
        return None
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except (OSError, ValueError):   # ValueError: a NUL in the name (%00), which safe_join lets through
        return None
    body = _minified_file(path, loader, stat)
    return None if body is None else (body, stat)


def register(app: Flask) -> None:
    """Serve static .js and .css minified (the app's `static` view otherwise, as Flask serves files)."""
    app.config.setdefault(CONFIG_KEY, True)
    if esbuild() is None:
        _log.warning("esbuild not found: static CSS and JavaScript are sent as written (apt install esbuild)")
    plain = app.view_functions["static"]

    def static(filename: str):
        found = _minified_static(filename)
        if found is None:
            return plain(filename=filename)
        body, stat = found
        response = Response(body, mimetype=mimetypes.guess_type(filename)[0])
        response.last_modified = stat.st_mtime  # type: ignore[assignment]
        max_age = current_app.get_send_file_max_age(filename)
        if max_age is not None:
            response.cache_control.max_age = max_age
            response.cache_control.public = True
        else:                                  # as Flask sends a static file: revalidate by its ETag
            response.cache_control.no_cache = True
        etag = f"min-{stat.st_mtime_ns:x}-{stat.st_size:x}"
        response.set_etag(etag)
        sending_cached(("static", request.path, etag))   # keep its compressed forms (compression.py)
        return response.make_conditional(request)

    app.view_functions["static"] = static
