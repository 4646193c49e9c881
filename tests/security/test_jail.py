"""The toolchain jail (journey_app/toolchain/jail.py) with real programs: a canary outside the build folder
cannot be read (not by `as`, not by cpp, not by a shell), nothing outside it can be written, no socket
opens, and a program that runs too long is killed with its whole process group."""

from __future__ import annotations

import os
import time

import pytest

from journey_app.toolchain.jail import Limits, jail_level, landlock_abi, run_jailed, seccomp_available

from .conftest import plant

needs_landlock = pytest.mark.skipif(not landlock_abi(), reason="this kernel has no Landlock")


@pytest.fixture()
def rooms(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    canary, secret = plant(tmp_path)
    return build, canary, secret


@needs_landlock
def test_assembler_cannot_incbin_the_canary(rooms):
    build, canary, secret = rooms
    (build / "a.s").write_text(f'.incbin "{canary}"\n')
    out = run_jailed(["as", "--32", "-o", "a.o", "a.s"], build, Limits())
    assert out.returncode != 0 and secret not in out.stderr
    assert not (build / "a.o").exists()


@needs_landlock
def test_preprocessor_cannot_include_the_canary(rooms):
    build, canary, secret = rooms
    (build / "b.S").write_text(f'#include "{canary}"\n')
    out = run_jailed(["cpp", "-nostdinc", "b.S", "-o", "b.s"], build, Limits())
    assert out.returncode != 0 and "Permission denied" in out.stderr and secret not in out.stderr


@needs_landlock
def test_a_shell_reads_and_writes_only_the_build_folder(rooms):
    build, canary, secret = rooms
    script = f"cat {canary}; cat /etc/hostname; echo x > {canary.parent}/written; echo ok > here; cat here"
    out = run_jailed(["sh", "-c", script], build, Limits())
    assert secret not in out.stderr
    assert not (canary.parent / "written").exists()
    assert (build / "here").read_text() == "ok\n"


@needs_landlock
def test_the_toolchain_still_works_in_the_jail(rooms):
    build, _canary, _secret = rooms
    (build / "c.s").write_text("nop\n")
    assert run_jailed(["as", "--32", "-o", "c.o", "c.s"], build, Limits()).returncode == 0
    assert run_jailed(["ld", "-m", "elf_i386", "-o", "c.elf", "c.o"], build, Limits()).returncode == 0
    assert (build / "c.elf").read_bytes()[:4] == b"\x7fELF"


@pytest.mark.skipif(not seccomp_available(), reason="no seccomp filter on this architecture")
def test_no_socket_opens(rooms):
    build, _canary, _secret = rooms
    # the system's python (under /usr, which the jail may read), not the virtualenv's
    out = run_jailed(["python3", "-c", "import socket; socket.socket()"], build, Limits())
    assert out.returncode != 0 and "PermissionError" in out.stderr


def test_a_runaway_program_is_killed_with_its_children(rooms):
    build, _canary, _secret = rooms
    started = time.monotonic()
    out = run_jailed(["sh", "-c", "sleep 30 & sleep 30; echo never"], build, Limits(timeout=0.5))
    assert out.timed_out and time.monotonic() - started < 5


def test_rlimits_apply(rooms):
    build, _canary, _secret = rooms
    out = run_jailed(["sh", "-c", "head -c 3000000 /dev/zero > big"], build, Limits(file_size=1 << 20))
    assert out.returncode != 0 and (build / "big").stat().st_size <= 1 << 20


def test_the_environment_holds_no_secrets(rooms, monkeypatch):
    build, _canary, _secret = rooms
    monkeypatch.setenv("JOURNEY_INSTRUCTOR_TOKEN", "not-for-tools")
    out = run_jailed(["sh", "-c", "env >&2"], build, Limits())
    assert "not-for-tools" not in out.stderr and "TMPDIR=" in out.stderr


def test_the_level_is_reported():
    level = jail_level()
    assert level.endswith("rlimits")
    assert ("landlock-v" in level) == bool(landlock_abi())
    assert os.environ.get("JOURNEY_JAIL") != "required" or landlock_abi()


def test_required_landlock_refuses_to_run_without_it(rooms, monkeypatch):
    from journey_app.toolchain import jail

    build, _canary, _secret = rooms
    monkeypatch.setattr(jail, "landlock_abi", lambda: 0)
    with pytest.raises(jail.JailError):
        jail.run_jailed(["true"], build, Limits(require_landlock=True))
