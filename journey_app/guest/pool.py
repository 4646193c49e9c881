"""`EnginePool`: per process, a few idle Machines per build, so a replay does not pay Unicorn start-up (~8 ms).
Owns leasing and the bounds; must not reset machines itself (the runs layer restores a checkpoint or baseline).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from ..toolchain import Build
from .machine import Machine


class EnginePool:
    """Idle machines keyed by the build's input hash; at most `per_build` idle each, `builds` builds.

    An engine holds ~3 MiB (Unicorn's translation buffer, capped at 2 MiB in machine.py, and the guest RAM a
    run touched), so the bound is what keeps a worker's memory flat when students try many edited builds: the
    least recently used build's engines go."""

    def __init__(self, per_build: int = 2, builds: int = 3, native_writes: bool | None = None):
        self.per_build = per_build
        self.builds = builds
        self.native_writes = native_writes      # Machine's choice of write log (None: native when it builds)
        self._idle: OrderedDict[str, list[Machine]] = OrderedDict()
        self._lock = threading.Lock()
        self.created = 0

    @contextmanager
    def lease(self, build: Build) -> Iterator[Machine]:
        """A machine for this build, used by one thread at a time; returned to the pool afterwards."""
        machine = self._take(build)
        try:
            yield machine
        finally:
            self._give(machine)

    def _take(self, build: Build) -> Machine:
        with self._lock:
            idle = self._idle.get(build.input_hash)
            if idle:
                self._idle.move_to_end(build.input_hash)
                return idle.pop()
            self.created += 1
        return Machine(build, self.native_writes)

    def _give(self, machine: Machine) -> None:
        key = machine.build.input_hash
        dropped: list[Machine] = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(idle) < self.per_build:
                idle.append(machine)
            else:
                dropped.append(machine)
            while len(self._idle) > self.builds:
                dropped.extend(self._idle.popitem(last=False)[1])
        if dropped:
            _free(dropped)

    def clear(self) -> None:
        with self._lock:
            dropped = [m for machines in self._idle.values() for m in machines]
            self._idle.clear()
        _free(dropped)


def _free(machines: list[Machine]) -> None:
    """A Machine and its Uc reference each other (hooks are bound methods, kept by ctypes callbacks), so
    dropping them would free nothing until the cycle collector runs: close() breaks the cycles, so worker
    memory comes back at once without a full collection."""
    for machine in machines:
        machine.close()
    machines.clear()


POOL = EnginePool()
