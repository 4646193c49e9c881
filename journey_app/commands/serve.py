"""`journey serve`: run the site; gunicorn when installed (as in the image), else Werkzeug's threaded server.

Binds 127.0.0.1 unless told otherwise; never runs in debug mode.
"""

from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("serve", help="serve the site (default http://127.0.0.1:8000)")
    parser.add_argument("--host", help="address to bind (default JOURNEY_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default JOURNEY_PORT or 8000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.set_defaults(func=run)


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

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", max(1, args.workers))
            self.cfg.set("accesslog", "-")
            self.cfg.set("control_socket_disable", True) if "control_socket_disable" in self.cfg.settings else None

        def load(self):
            return app

    Server().run()
    return 0
