"""The jail every toolchain program runs in (cpp, as, ld, and any later step such as gcc): `run_jailed`.

Defence in depth behind the line grammar: the child may read only the toolchain (/usr, /lib*, /bin,
/etc/ld.so.cache) and its own build folder, write only the build folder (Landlock, straight syscalls
through ctypes), open no socket (a seccomp filter; Landlock's TCP rules too where the kernel has them),
and is bounded by rlimits (CPU, address space, file size, processes, open files, no core) and a wall
clock that kills its whole process group. Landlock needs a 5.13+ kernel with the LSM enabled and no
privileges, so it works for root on a bare machine and for the non-root user of the container image.
Owns the jail only; knows nothing about kernels, lab rules or what the tools are asked to do.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import resource
import signal
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Paths a toolchain program reads (binaries, shared libraries, gcc's own folders, the loader cache).
# Nothing under /etc other than the loader cache, no /home, /root, /tmp, /proc or /var.
TOOLCHAIN_READ_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc/ld.so.cache")
MAX_STDERR_BYTES = 64 * 1024

# <linux/landlock.h>
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446   # the same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ALL_V1 = (1 << 13) - 1           # execute .. make_sym
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_PR_SET_NO_NEW_PRIVS, _PR_GET_SECCOMP, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 21, 22, 2
_AUDIT_ARCH_X86_64, _NR_SOCKET_X86_64 = 0xC000003E, 41
_EACCES = 13

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int


def _syscall(number: int, *args: object) -> int:
    """syscall(2) with every argument a full long (varargs: a narrower C type leaves the upper half undefined)."""
    wide = [a if isinstance(a, ctypes.Array) else ctypes.c_long(0 if a is None else int(a))  # type: ignore[call-overload]
            for a in args]
    return int(_libc.syscall(ctypes.c_long(number), *wide))


def _prctl(option: int, arg2: object = 0) -> int:
    """prctl with every argument a full unsigned long (a bare int in varargs leaves the upper half undefined)."""
    value = arg2 if isinstance(arg2, ctypes.Array) else ctypes.c_ulong(int(arg2))  # type: ignore[call-overload]
    return int(_libc.prctl(ctypes.c_int(option), value, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)))


@dataclass(frozen=True)
class Limits:
    """Per-process limits; the defaults are generous for the bundled text and tight enough for hostile input."""

    timeout: float = 10.0
    cpu_seconds: int = 10
    address_space: int = 1024 * 1024 * 1024
    file_size: int = 16 * 1024 * 1024
    processes: int = 256          # RLIMIT_NPROC counts every process of the server's user (root is exempt)
    open_files: int = 256
    require_landlock: bool = False  # JOURNEY_JAIL=required: no toolchain run at all without Landlock


class JailError(RuntimeError):
    """The jail could not be set up where the deployment requires it."""


@functools.lru_cache(maxsize=1)
def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when it has none (old kernel, LSM off, syscall filtered)."""
    version = _syscall(_SYS_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    return max(int(version), 0)


@functools.lru_cache(maxsize=1)
def seccomp_available() -> bool:
    return platform.machine() == "x86_64" and _prctl(_PR_GET_SECCOMP) >= 0


def jail_level() -> str:
    """What this process's toolchain runs get: "landlock-v7+seccomp+rlimits", ... down to "rlimits"."""
    parts = []
    if landlock_abi():
        parts.append(f"landlock-v{landlock_abi()}")
    if seccomp_available():
        parts.append("seccomp")
    return "+".join(parts + ["rlimits"])


def _ruleset(build_dir: Path, read_paths: tuple[str, ...]) -> int:
    """A Landlock ruleset fd: read+execute under read_paths, everything under build_dir, nothing else."""
    abi = landlock_abi()
    handled = _FS_ALL_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0) | (
        _FS_IOCTL_DEV if abi >= 5 else 0)
    net = (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL) if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled, net, scoped)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    buf = ctypes.create_string_buffer(attr, 24)
    fd = _syscall(_SYS_CREATE_RULESET, buf, size, 0)
    if fd < 0:
        raise JailError(f"landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())}")
    try:
        rules = [(p, _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR) for p in read_paths]
        rules += [(str(build_dir), handled), ("/dev/null", (_FS_READ_FILE | _FS_WRITE_FILE) & handled)]
        for path, access in rules:
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue   # /lib32 and friends exist on some machines only
            try:
                if not os.path.isdir(path):
                    access &= _FILE_RIGHTS
                rule = ctypes.create_string_buffer(struct.pack("=Qi", access & handled, pfd), 12)
                if _syscall(_SYS_ADD_RULE, fd, _RULE_PATH_BENEATH, rule, 0) < 0:
                    raise JailError(f"landlock_add_rule({path}) failed: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(pfd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _socket_filter() -> ctypes.Array:
    """seccomp BPF: a non-x86_64 syscall ABI kills the process; socket() fails with EACCES; all else runs."""
    def stmt(code, k, jt=0, jf=0):
        return struct.pack("=HBBI", code, jt, jf, k)
    ld_abs, jeq, ret = 0x20, 0x15, 0x06
    program = b"".join([
        stmt(ld_abs, 4),                                   # seccomp_data.arch
        stmt(jeq, _AUDIT_ARCH_X86_64, 1, 0),
        stmt(ret, 0x80000000),                             # SECCOMP_RET_KILL_PROCESS
        stmt(ld_abs, 0),                                   # seccomp_data.nr
        stmt(jeq, _NR_SOCKET_X86_64, 0, 1),
        stmt(ret, 0x00050000 | _EACCES),                   # SECCOMP_RET_ERRNO
        stmt(ret, 0x7FFF0000),                             # SECCOMP_RET_ALLOW
    ])
    return ctypes.create_string_buffer(program, len(program))


def _preexec(limits: Limits, ruleset_fd: int | None, seccomp: ctypes.Array | None):
    """Runs in the child between fork and exec: rlimits, no new privileges, Landlock, seccomp."""
    fprog = None
    keep = [seccomp]   # the filter must outlive this call: fprog points into it
    if seccomp is not None:
        fprog = ctypes.create_string_buffer(struct.pack("=HxxxxxxQ", len(seccomp) // 8, ctypes.addressof(seccomp)), 16)

    def apply() -> None:
        for which, value in ((resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_AS, limits.address_space),
                             (resource.RLIMIT_FSIZE, limits.file_size), (resource.RLIMIT_NPROC, limits.processes),
                             (resource.RLIMIT_NOFILE, limits.open_files), (resource.RLIMIT_CORE, 0)):
            _soft, hard = resource.getrlimit(which)   # never above the hard limit we were given: EPERM
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        if _prctl(_PR_SET_NO_NEW_PRIVS, 1) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if ruleset_fd is not None and _syscall(_SYS_RESTRICT_SELF, ruleset_fd, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
        if fprog is not None and keep and _set_seccomp(fprog) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")

    return apply


def _set_seccomp(fprog: ctypes.Array) -> int:
    return int(_libc.prctl(ctypes.c_int(_PR_SET_SECCOMP), ctypes.c_ulong(_SECCOMP_MODE_FILTER), fprog,
                           ctypes.c_ulong(0), ctypes.c_ulong(0)))


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stderr: str
    timed_out: bool


def run_jailed(argv: list[str], build_dir: Path, limits: Limits, *,
               read_paths: tuple[str, ...] = TOOLCHAIN_READ_PATHS, env: dict[str, str] | None = None) -> Outcome:
    """Run argv with cwd = build_dir inside the jail; return its exit code and (bounded) stderr.

    The one way the project starts a toolchain program: a new step (gcc for boot.c) calls this too.
    Raises FileNotFoundError when argv[0] is missing and JailError when Landlock is required but absent."""
    build_dir = Path(build_dir).resolve()
    if limits.require_landlock and not landlock_abi():
        raise JailError("this deployment requires Landlock (JOURNEY_JAIL=required) and the kernel has none")
    ruleset = _ruleset(build_dir, read_paths) if landlock_abi() else None
    base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "SOURCE_DATE_EPOCH": "0",
                "TMPDIR": str(build_dir)}
    try:
        proc = subprocess.Popen(
            argv, cwd=build_dir, env={**base_env, **(env or {})}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
            preexec_fn=_preexec(limits, ruleset, _socket_filter() if seccomp_available() else None))
    finally:
        if ruleset is not None:
            os.close(ruleset)
    try:
        _out, err = proc.communicate(timeout=limits.timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        # The whole group the child leads (cpp's cc1 too), which start_new_session created for it alone.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _out, err = proc.communicate()
        timed_out = True
    return Outcome(proc.returncode, err[:MAX_STDERR_BYTES].decode("utf-8", "replace"), timed_out)
