"""Labs: lab files (TOML + JSON Schema), the checks language, grading by deterministic replay, the submissions store.

Core package: never imports Flask. The web layer and `journey lab` call the names exported here.
"""

from .checks import CheckSyntaxError, Expectation, parse
from .context import LabContext
from .grading import compose_actions, find_lab, grade
from .loader import lab_paths, load_lab, load_labs, read_lab, schema, validate
from .model import Check, Editable, Hint, Lab, Question
from .problems import LabInvalid, Problem
from .results import CheckResult, Grade
from .store import StoredSubmission, SubmissionStore, open_store, upgrade_to_head
from .submission import Submission
from .trace import Trace

__all__ = ["Check", "CheckResult", "CheckSyntaxError", "Editable", "Expectation", "Grade", "Hint", "Lab",
           "LabContext", "LabInvalid", "Problem", "Question", "StoredSubmission", "Submission", "SubmissionStore",
           "Trace",
           "compose_actions", "find_lab", "grade", "lab_paths", "load_lab", "load_labs", "open_store", "parse",
           "read_lab", "schema", "upgrade_to_head", "validate"]
