"""gunicorn settings for production runs (the container image uses them):

    gunicorn --config python:journey_app.web.gunicorn_conf 'journey_app.web:create_app()'

* bind: JOURNEY_HOST:JOURNEY_PORT through `Settings` (default 127.0.0.1:8000; the image sets
  JOURNEY_HOST=0.0.0.0 so a published port reaches it).
* workers: WEB_CONCURRENCY (gunicorn's own variable), default 2. Sync workers: a run is CPU-bound
  Python, so one request per process; scale with workers/replicas, not threads.
* timeouts: a request may build edited source (three toolchain steps of JOURNEY_BUILD_TIMEOUT each)
  and replay a run, so the worker timeout leaves room for that.
* request line and header limits; bodies are limited by the app (JOURNEY_MAX_REQUEST_BYTES).
* no control socket (gunicorn >= 27 would create ~/.gunicorn/gunicorn.ctl, which fails on a
  read-only root and is not needed); worker heartbeat files in /dev/shm when writable.
* access log and error log on stdout/stderr; never a debug or reload mode. The access log leaves out
  query strings and the Referer (either may carry a token someone pasted into a URL) and never logs
  request headers (Authorization, cookies).

Anything here can still be overridden with GUNICORN_CMD_ARGS (e.g. "--timeout 120").
"""

from __future__ import annotations

import os
import time as _time

from journey_app.settings import Settings

_settings = Settings.from_env()


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _workers(raw: str | None, default: int = 2) -> int:
    try:
        return max(1, int(raw)) if raw else default
    except ValueError:
        return default


bind = [_bind(_settings.host, _settings.port)]
workers = _workers(os.environ.get("WEB_CONCURRENCY"))
worker_class = "sync"
threads = 1

timeout = int(max(30, 3 * _settings.build_timeout + 30))
graceful_timeout = 30
keepalive = 5

limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
# gunicorn's default has %(r)s (the request line, query string included) and %(f)s (Referer): both can
# carry secrets pasted into URLs. %(U)s is the path alone.
access_log_format = '%(h)s - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
errorlog = "-"
loglevel = "info"
capture_output = False
reload = False

control_socket_disable = True
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


# A request that ran this long may have freed megabytes: malloc_trim after it. A quick POST (a memo hit, a
# grade from checkpoints) frees little, and malloc_trim costs ~0.4 ms on a 150 MiB heap, a third of a stored
# grade: quick POSTs trim at most every _TRIM_EVERY_SECONDS. /healthz and cached pages never pay it.
_TRIM_AFTER_SECONDS = 0.02
_TRIM_EVERY_SECONDS = 0.25
_last_trim = [0.0]


def pre_request(worker, req) -> None:
    req.journey_started = _time.monotonic()


def post_request(worker, req, environ, resp) -> None:
    """Hand freed heap back to the OS after each request that did work, so a worker's RSS returns to its
    level instead of keeping the high-water mark of its largest request."""
    now = _time.monotonic()
    took = now - getattr(req, "journey_started", now)
    if took >= _TRIM_AFTER_SECONDS or (req.method == "POST" and now - _last_trim[0] >= _TRIM_EVERY_SECONDS):
        _last_trim[0] = now
        _malloc_trim()


def _malloc_trim() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: nothing to do
        pass


def on_starting(server) -> None:
    """Build the guest's native write log (guest/writelog.c) once, in the master before the workers fork,
    so no request waits for the C compiler (workers load the same per-user library); and minify the static
    CSS and JavaScript there too, so no request waits for esbuild (the workers inherit the minified bytes)."""
    from journey_app import paths
    from journey_app.guest.writelog import native_library
    from journey_app.web.infra.assets import warm

    native_library()
    warm(str(paths.static_root()))
