"""Runs: scenarios, the action grammar, replay() with checkpoints, and the State/Event JSON.
A run is (version, scenario, source override, actions); the same run always replays to the same JSON.
"""

from .actions import Action, parse_actions, split_actions
from .checkpoints import CACHE, CheckpointCache
from .events import Event, Where
from .replay import Replay, Run, replay
from .scenarios import Scenario, ScenarioLibrary, load_scenario, load_scenarios, parse_scenario
from .state import State

__all__ = ["CACHE", "Action", "CheckpointCache", "Event", "Replay", "Run", "Scenario", "ScenarioLibrary",
           "State", "Where", "load_scenario", "load_scenarios", "parse_actions", "parse_scenario", "replay",
           "split_actions"]
