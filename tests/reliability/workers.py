"""The worker processes of a gunicorn master this test run started: who they are and how much memory
they hold, read from /proc. Never signals anything; the tests kill only PIDs found here, which are
children of a master they started themselves."""

from __future__ import annotations

import os
import time
from pathlib import Path


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses; the fields after its last ")" do not.
    return int(stat.rsplit(")", 1)[1].split()[1])


def is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def worker_pids(master_pid: int) -> list[int]:
    """Live children of `master_pid` (gunicorn's workers), sorted."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and parent_of(int(entry)) == master_pid and not is_zombie(int(entry)):
            children.append(int(entry))
    return sorted(children)


def rss_kib(pid: int) -> int:
    """VmRSS of a process in KiB (what `ps` calls RSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for pid {pid}")


def wait_for_workers(master_pid: int, count: int, *, without: tuple[int, ...] = (), timeout: float = 30.0) -> list[int]:
    """Poll until the master has `count` live workers, none of them in `without`; returns their PIDs
    (the last seen list if the deadline passes, for the caller's assertion message)."""
    deadline = time.monotonic() + timeout
    pids = worker_pids(master_pid)
    while time.monotonic() < deadline:
        pids = worker_pids(master_pid)
        if len(pids) == count and not set(pids) & set(without):
            return pids
        time.sleep(0.1)
    return pids
