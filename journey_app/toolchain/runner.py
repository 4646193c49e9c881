"""Runs one GNU toolchain program (cpp, as, ld, gcc) as a jailed, bounded subprocess (jail.run_jailed).

Owns the "toolchain missing" message and turning a tool's exit into BuildError; knows nothing
about kernels or lguest.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from ..errors import BuildError, ToolchainMissing
from .jail import JailError, Limits, run_jailed

__all__ = ["DEBIAN_PACKAGES", "TOOLS", "Limits", "require_toolchain", "run_tool", "tool_versions"]

TOOLS = ("cpp", "as", "ld", "gcc")
DEBIAN_PACKAGES = "binutils cpp gcc"


def require_toolchain() -> dict[str, str]:
    """Path of each tool, or one clear error naming the Debian packages to install."""
    found = {tool: shutil.which(tool) for tool in TOOLS}
    missing = sorted(tool for tool, path in found.items() if path is None)
    if missing:
        raise ToolchainMissing(
            f"the GNU toolchain is not installed (missing: {', '.join(missing)}); "
            f"on Debian: apt-get install {DEBIAN_PACKAGES}",
            {"missing": missing, "debian_packages": DEBIAN_PACKAGES.split()},
        )
    return found  # type: ignore[return-value]


def run_tool(argv: list[str], cwd: Path, limits: Limits, stage: str) -> str:
    """Run argv jailed in cwd (its build folder); return stderr (warnings) or raise BuildError with the tool's
    own messages."""
    try:
        outcome = run_jailed(argv, cwd, limits)
    except FileNotFoundError:
        require_toolchain()
        raise
    except JailError as exc:
        raise ToolchainMissing(f"{stage} was not run: {exc}", {"stage": stage}) from None
    if outcome.timed_out:
        raise BuildError(f"{stage} took longer than {limits.timeout:g} s and was stopped",
                         {"stage": stage, "timeout": limits.timeout})
    if outcome.returncode != 0:
        reason = "was stopped by a resource limit" if outcome.returncode < 0 else "failed"
        raise BuildError(f"{stage} {reason}", {"stage": stage, "returncode": outcome.returncode,
                                                "messages": outcome.stderr.strip().splitlines()[:50]})
    return outcome.stderr


@functools.lru_cache(maxsize=1)
def tool_versions() -> dict[str, str]:
    """First line of `--version` of each tool (recorded with every build), asked once per process."""
    paths = require_toolchain()
    versions = {}
    for tool, path in paths.items():
        out = subprocess.run([path, "--version"], capture_output=True, timeout=10, check=False)
        versions[tool] = out.stdout.decode("utf-8", "replace").splitlines()[0] if out.stdout else "?"
    return versions
