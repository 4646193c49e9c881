"""`create_app(config)`: the Flask application factory; the only place the web layer is wired.

The web layer is a folder per part of the site: `pages/` (reading: contents, chapters, source, stages,
files, xref, search, each HTML page with a `.json` twin; /healthz), `explorer/` (the live machine's JSON
API, what-if, the OpenAPI document), `labs/` (students' labs: JSON and HTML), `instructor/` (class table,
/metrics) and `infra/` (context, errors, security, rate limits, compression, minified assets) that they share.
Blueprint modules are imported here by name (a missing module fails at start). Per-process objects
(Catalog) hang off the app, never off module globals.
"""

from __future__ import annotations

import dataclasses

from flask import Flask

from .. import caches, paths
from ..catalog import Catalog
from ..index import IndexStore
from ..settings import WEB_RUN_SECONDS, Settings
from .explorer import api as explorer_api
from .explorer import whatif as whatif_api
from .infra import assets, compression, errors, security
from .instructor import metrics
from .instructor import pages as instructor
from .labs import api as labs_api
from .labs import pages as labs_pages
from .pages import api, chapters, reading, search, xref


def create_app(config: Settings | dict | None = None) -> Flask:
    """Build the app; `config` is a Settings, a dict of Settings overrides, or None (environment)."""
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env(**(config or {}))
    if settings.run_seconds is None:   # every request of the site is bounded in time (docs/deploy.md)
        settings = dataclasses.replace(settings, run_seconds=WEB_RUN_SECONDS)
    app = Flask(__name__, static_folder=str(paths.static_root()), static_url_path="/static",
                template_folder="templates")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_request_bytes, JSON_SORT_KEYS=False,
                      TEMPLATES_AUTO_RELOAD=False)
    app.extensions["journey.settings"] = settings
    app.extensions["journey.catalog"] = Catalog(settings)
    app.extensions["journey.index"] = IndexStore(settings.cache_dir)
    caches.scale_to(settings.cache_mb << 20)      # every cache of this process shares the budget

    errors.register(app)
    security.register(app)
    compression.register(app)
    assets.register(app)          # static CSS and JavaScript minified (esbuild), at their own URLs
    _say_jail(settings)

    for blueprint_module in (chapters, reading, xref, search, api):
        app.register_blueprint(blueprint_module.bp)
    for module in (explorer_api, whatif_api, labs_api, labs_pages, instructor, metrics):
        module.register(app)
    if settings.trusted_proxies > 0:
        # Behind nginx every client would look like nginx to the rate limiter; trust exactly
        # as many X-Forwarded-* hops as there are proxies we run.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def _say_jail(settings: Settings) -> None:
    """Say once, in the error log, when edited source would be built without Landlock (docs/deploy.md)."""
    import logging

    from ..toolchain.jail import jail_level, landlock_abi

    if not landlock_abi():
        logging.getLogger(__name__).warning(
            "toolchain jail: %s only (no Landlock in this kernel)%s", jail_level(),
            "; JOURNEY_JAIL=required: edited source will not be built" if settings.jail == "required" else "")
