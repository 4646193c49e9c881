"""The values grading returns: CheckResult per check and Grade for a submission, with feedback as data.

Hidden checks keep their text and details out of to_json(); nothing here depends on wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Check, Lab
from .predicates import Result


@dataclass(frozen=True)
class CheckResult:
    check: Check
    passed: bool
    detail: str

    @property
    def earned(self) -> int:
        return self.check.points if self.passed else 0

    @property
    def feedback(self) -> str:
        c = self.check
        if c.hidden:
            return f"hidden check {c.n} {'passed' if self.passed else 'failed'}"
        if self.passed:
            return f"passed: {c.text}"
        extra = f" {c.on_fail}" if c.on_fail else ""
        reread = f" Reread {c.chapter}." if c.chapter else ""
        return f"failed: {c.text}: {self.detail}.{extra}{reread}"

    def to_json(self) -> dict:
        c = self.check
        out = {"n": c.n, "hidden": c.hidden, "passed": self.passed, "points": c.points, "earned": self.earned,
               "text": c.label, "feedback": self.feedback}
        if not c.hidden:
            out.update(id=c.id, chapter=c.chapter, detail=self.detail)
        return out


@dataclass(frozen=True, kw_only=True)
class Grade:
    lab: Lab
    submission_digest: str
    checks: tuple[CheckResult, ...]
    run: dict = field(default_factory=dict)          # status, reason, insn_count, eip, location
    build: dict | None = None                         # input_hash of an edited build
    build_errors: tuple[dict, ...] = ()              # {line, message, yours} when the edit did not build

    @property
    def score(self) -> int:
        return sum(r.earned for r in self.checks)

    @property
    def max_score(self) -> int:
        return self.lab.max_score

    @property
    def outcome(self) -> str:
        return "build_error" if self.build_errors else "graded"

    @property
    def reread(self) -> list[str]:
        """Chapters of the failed visible checks, in check order, each once."""
        out: list[str] = []
        for r in self.checks:
            if not r.passed and not r.check.hidden and r.check.chapter and r.check.chapter not in out:
                out.append(r.check.chapter)
        return out

    @property
    def summary(self) -> str:
        if self.build_errors:
            # The message itself is in build_errors (and under the line on the lab page): said once.
            lines = sorted({e["line"] for e in self.build_errors if e.get("line")})
            where = f" (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})" if lines else ""
            return f"Your edit does not build{where}; score 0/{self.max_score}."
        if self.score == self.max_score:
            return f"All checks passed: {self.score}/{self.max_score}."
        reread = f" Reread {', '.join(self.reread)}." if self.reread else ""
        return f"Score {self.score}/{self.max_score}.{reread}"

    def to_json(self) -> dict:
        return {
            "lab": self.lab.id, "lab_digest": self.lab.digest, "submission_digest": self.submission_digest,
            "version": self.lab.version, "scenario": self.lab.scenario, "outcome": self.outcome,
            "score": self.score, "max_score": self.max_score, "passed": self.score == self.max_score,
            "summary": self.summary, "reread": self.reread,
            "checks": [r.to_json() for r in self.checks],
            "run": self.run, "build": self.build, "build_errors": list(self.build_errors),
        }


def check_results(lab: Lab, evaluate) -> tuple[CheckResult, ...]:
    """Run `evaluate(check) -> Result` for every check of the lab, in file order."""
    out = []
    for check in lab.checks:
        result: Result = evaluate(check)
        out.append(CheckResult(check, result.passed, result.detail))
    return tuple(out)
