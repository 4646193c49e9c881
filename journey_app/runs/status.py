"""`Status`: the states a run can be in, the one definition the State JSON, the labs' `status` check, the
OpenAPI document and the explorer share. Owns the names only; runner.py and verbs.py decide transitions.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Status = Literal["running", "finished", "halted", "dead", "fault", "budget"]
STATUSES: Final[tuple[str, ...]] = get_args(Status)
RUNNABLE: Final = "running"       # the only status in which the next action executes guest code
