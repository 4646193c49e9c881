"""Settings are data: one table of names, defaults and meanings, read from the environment in one place.

`Settings.from_env()` is the only reader of os.environ for configuration; tests build
`Settings(...)` directly. The README's configuration table is checked against SETTINGS_DOC.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from . import paths

# name -> (environment variable, default description, meaning). Kept beside the dataclass
# so a test can fail when a setting is undocumented.
SETTINGS_DOC = {
    "content_root": ("JOURNEY_CONTENT", "bundled content/", "Folder with kernels/<version>/, scenarios/ and labs/."),
    "cache_dir": ("JOURNEY_CACHE", "<tmp>/journey-cache", "Where builds of edited or non-bundled sources are cached."),
    "database_url": ("DATABASE_URL", "sqlite:///<cache>/journey.sqlite3", "SQLAlchemy URL of the submissions store."),
    "instructor_token": ("JOURNEY_INSTRUCTOR_TOKEN", "(unset: instructor pages disabled)",
                         "Bearer token for instructor pages."),
    "host": ("JOURNEY_HOST", "127.0.0.1", "Address `journey serve` binds."),
    "port": ("JOURNEY_PORT", "8000", "Port `journey serve` binds."),
    "max_request_bytes": ("JOURNEY_MAX_REQUEST_BYTES", "262144", "Largest accepted request body."),
    "max_actions": ("JOURNEY_MAX_ACTIONS", "5000", "Most actions in one run."),
    "insn_budget": ("JOURNEY_INSN_BUDGET", "100000", "Most guest instructions one run may execute."),
    "run_seconds": ("JOURNEY_RUN_SECONDS", "0.75",
                    "Seconds of emulation one run of the site may take (then it ends with status budget); 0: none."),
    "build_timeout": ("JOURNEY_BUILD_TIMEOUT", "10", "Seconds each toolchain step may take."),
    "jail": ("JOURNEY_JAIL", "auto",
             "Toolchain jail: auto (Landlock where the kernel has it) or required (no builds without Landlock)."),
    "grade_rate": ("JOURNEY_GRADE_RATE", "30",
                   "Grade/build requests and failed instructor logins per minute per client address (0: no limit)."),
    "run_rate": ("JOURNEY_RUN_RATE", "20",
                 "Seconds of uncached emulation (POST /api/run, lab runs) a minute per client address (0: no limit)."),
    "trusted_proxies": ("JOURNEY_TRUSTED_PROXIES", "0",
                        "Reverse proxies in front (nginx: 1); client address from X-Forwarded-For."),
    "cache_mb": ("JOURNEY_CACHE_MB", "48", "MiB all of a worker's in-memory caches may hold (estimated)."),
}


WEB_RUN_SECONDS = 0.75   # the site's time budget per run when JOURNEY_RUN_SECONDS is not set


def _default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "journey-cache"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    content_root: Path = dataclasses.field(default_factory=paths.bundled_content_root)
    cache_dir: Path = dataclasses.field(default_factory=_default_cache_dir)
    database_url: str = ""
    instructor_token: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    max_request_bytes: int = 256 * 1024
    max_actions: int = 5000
    insn_budget: int = 100_000
    # None: the site (create_app) uses WEB_RUN_SECONDS; the CLI and library calls run without a clock,
    # so their results never depend on the machine's speed. 0 turns the clock off in the site too.
    run_seconds: float | None = None
    build_timeout: float = 10.0
    jail: str = "auto"
    grade_rate: int = 30
    run_rate: float = 20.0
    trusted_proxies: int = 0
    cache_mb: int = 48

    def __post_init__(self):
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{Path(self.cache_dir) / 'journey.sqlite3'}")

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        values: dict = {}
        casts = {f.name: f.type for f in dataclasses.fields(cls)}
        for name, (var, _default, _meaning) in SETTINGS_DOC.items():
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            kind = casts[name]
            if kind in ("int", int):
                values[name] = int(raw)
            elif kind in ("float", float, "float | None"):
                values[name] = float(raw)
            elif kind in ("Path", Path):
                values[name] = Path(raw)
            else:
                values[name] = raw
        values.update(overrides)
        return cls(**values)
