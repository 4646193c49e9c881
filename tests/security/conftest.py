"""A real gunicorn server (production config, 2 workers) for the hostile corpus, with a canary planted
outside every folder the server builds in, a content copy holding a scenario file that is not UTF-8,
an instructor token, and its own database. Stopped by the PID of the master it started."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from journey_app import paths
from tests.scale.servers import Server, start_gunicorn


@dataclass
class HostileServer:
    server: Server
    workdir: Path
    values: dict          # the corpus placeholders: canary path, database path, tokens
    secret: str           # the canary file's content: must never come back
    query_token: str      # sent in query strings and Referers: must never reach the log
    kernel_text: str
    kernel_dir: Path

    def read_file(self, rel: str) -> str:
        return (self.kernel_dir / rel).read_text(errors="replace")


def plant(workdir: Path) -> tuple[Path, str]:
    secret = f"JOURNEY-CANARY-{secrets.token_hex(16)}"
    canary = workdir / "secrets" / "canary.txt"
    canary.parent.mkdir(parents=True)
    canary.write_text(f"{secret}\n.byte 0x{secrets.token_hex(1)}\n{secret}\n")
    return canary, secret


@pytest.fixture(scope="session")
def hostile(tmp_path_factory) -> HostileServer:
    workdir = tmp_path_factory.mktemp("security")
    canary, secret = plant(workdir)
    content = workdir / "content"
    shutil.copytree(paths.bundled_content_root(), content)
    (content / "scenarios" / "2.6.31" / "zz-not-utf8.toml").write_bytes(b'id = "zz-not-utf8"\ntitle = "\xff\xfe"\n')
    database = workdir / "db" / "journey.sqlite3"
    token = secrets.token_urlsafe(24)
    query_token = f"QUERYTOKEN{secrets.token_hex(12)}"
    server = start_gunicorn("hostile", workdir, {
        "JOURNEY_CONTENT": str(content), "DATABASE_URL": f"sqlite:///{database}",
        "JOURNEY_INSTRUCTOR_TOKEN": token, "JOURNEY_GRADE_RATE": "0", "JOURNEY_RUN_RATE": "0",
    }, workers=2)
    try:
        yield HostileServer(server, workdir, {"canary": str(canary), "database": str(database),
                                              "instructor_token": token, "query_token": query_token},
                            secret, query_token,
                            (content / "kernels" / "2.6.31" / "arch/x86/lguest/i386_head.S").read_text(),
                            content / "kernels" / "2.6.31")
    finally:
        server.stop()
