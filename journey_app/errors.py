"""The one error hierarchy of the project: every failure a user can cause has a stable code.

The web layer maps `status` to HTTP; the CLI prints `message` and exits non-zero.
Nothing here knows about Flask.
"""

from __future__ import annotations

from typing import Any


class JourneyError(Exception):
    """Base class: `code` is stable (clients switch on it), `message` is for people, `detail` is a JSON
    object of machine-readable specifics (field, line, limit ...) or None."""

    code = "journey_error"
    status = 400

    def __init__(self, message: str, detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "detail": self.detail}}


class NotFound(JourneyError):
    code = "not_found"
    status = 404


class BadInput(JourneyError):
    """Malformed request, action list, value out of range."""

    code = "bad_input"
    status = 400


class TooLarge(JourneyError):
    code = "too_large"
    status = 413


class ContentError(JourneyError):
    """A content file (kernel text, scenario, lab) is malformed; detail names file and line."""

    code = "content_error"
    status = 422


class BuildError(JourneyError):
    """The assembler or linker rejected the source; detail carries their messages."""

    code = "build_error"
    status = 422


class ToolchainMissing(BuildError):
    """cpp/as/ld are not installed; the message names the Debian packages."""

    code = "toolchain_missing"
    status = 424


class SandboxRefused(JourneyError):
    """User-supplied source asked for something the sandbox does not allow. Not a BuildError: nothing
    was built, and `except BuildError` (a build that failed, graded 0) must not catch a refusal."""

    code = "sandbox_refused"
    status = 422


class BuildUnavailable(BuildError):
    """The server could not build now (no space for the build folder): try again later, not the student's fault."""

    code = "build_unavailable"
    status = 503


class UnsupportedMediaType(JourneyError):
    """A request body that is not JSON where JSON is required."""

    code = "unsupported_media_type"
    status = 415


class RateLimited(JourneyError):
    code = "rate_limited"
    status = 429


class TimeBudget(JourneyError):
    """A run that had to be graded or stored used up its wall-clock budget: its outcome depends on the
    machine's speed, so it is neither graded nor saved."""

    code = "time_budget"
    status = 422


class StorageUnavailable(JourneyError):
    """The submissions store could not save (disk full, database gone); nothing was half-written."""

    code = "could_not_save"
    status = 503


class Unauthorized(JourneyError):
    code = "unauthorized"
    status = 401
