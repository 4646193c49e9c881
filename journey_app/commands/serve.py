"""`journey serve`: run the site with gunicorn and the production settings of journey_app/web/gunicorn_conf.py
(the same the container image uses: worker timeout, request limits, log format, no control socket);
--host/--port/--workers override bind and workers only. Werkzeug's threaded server only where gunicorn is
not installed. Binds 127.0.0.1 unless told otherwise; never runs in debug mode.
"""

from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("serve", help="serve the site (default http://127.0.0.1:8000)")
    parser.add_argument("--host", help="address to bind (default JOURNEY_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default JOURNEY_PORT or 8000)")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn worker processes (default WEB_CONCURRENCY or 2)")
    parser.set_defaults(func=run)


def production_config(host: str, port: int, workers: int | None) -> dict:
    """Every setting gunicorn_conf.py defines (lower-case names that gunicorn knows), with bind/workers set."""
    from gunicorn.config import Config

    from ..web import gunicorn_conf

    known = Config().settings
    values = {name: getattr(gunicorn_conf, name) for name in dir(gunicorn_conf)
              if name in known and not name.startswith("_") and getattr(gunicorn_conf, name) is not None}
    values["bind"] = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    if workers is not None:
        values["workers"] = max(1, workers)
    return values


def run(args, settings) -> int:
    from ..web import create_app

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    app = create_app(settings)
    print(f"Lguest Journey explorer on http://{host}:{port}/  (content: {settings.content_root})", flush=True)
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
        return 0
    config = production_config(host, port, args.workers)

    class Server(BaseApplication):
        def load_config(self):
            for name, value in config.items():
                self.cfg.set(name, value)

        def load(self):
            return app

    Server().run()
    return 0
