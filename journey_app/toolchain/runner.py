"""Runs one GNU toolchain program (cpp, as, ld, gcc) as a bounded subprocess.

Owns timeouts, resource limits and the "toolchain missing" message; knows nothing
about kernels or lguest.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError, ToolchainMissing

TOOLS = ("cpp", "as", "ld", "gcc")
DEBIAN_PACKAGES = "binutils cpp gcc"


@dataclass(frozen=True)
class Limits:
    """Per-process limits; the defaults are generous for the bundled text and tight enough for hostile input."""

    timeout: float = 10.0
    cpu_seconds: int = 10
    address_space: int = 1024 * 1024 * 1024
    file_size: int = 16 * 1024 * 1024


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


def _limit(limits: Limits):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.address_space, limits.address_space))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run_tool(argv: list[str], cwd: Path, limits: Limits, stage: str) -> str:
    """Run argv in cwd; return stderr (warnings) or raise BuildError with the tool's own messages."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "SOURCE_DATE_EPOCH": "0"}
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
            timeout=limits.timeout, preexec_fn=_limit(limits), check=False,
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{stage} took longer than {limits.timeout:g} s and was stopped",
                         {"stage": stage, "timeout": limits.timeout}) from None
    except FileNotFoundError:
        require_toolchain()
        raise
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        reason = "was stopped by a resource limit" if proc.returncode < 0 else "failed"
        raise BuildError(f"{stage} {reason}", {"stage": stage, "returncode": proc.returncode,
                                                "messages": stderr.strip().splitlines()[:50]})
    return stderr


def tool_versions() -> dict[str, str]:
    """First line of `--version` of each tool: part of the build cache key."""
    paths = require_toolchain()
    versions = {}
    for tool, path in paths.items():
        out = subprocess.run([path, "--version"], capture_output=True, timeout=10, check=False)
        versions[tool] = out.stdout.decode("utf-8", "replace").splitlines()[0] if out.stdout else "?"
    return versions
