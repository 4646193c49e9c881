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
    """Idle machines keyed by the build's input hash; at most `per_build` idle each, `builds` builds."""

    def __init__(self, per_build: int = 2, builds: int = 4):
        self.per_build = per_build
        self.builds = builds
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
        return Machine(build)

    def _give(self, machine: Machine) -> None:
        key = machine.build.input_hash
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(idle) < self.per_build:
                idle.append(machine)
            while len(self._idle) > self.builds:
                self._idle.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()


POOL = EnginePool()
