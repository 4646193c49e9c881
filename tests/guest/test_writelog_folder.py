"""The native write log's library lives in a folder only this user can write, found without following a
symlink: a symlink in a shared /tmp is the planter's to swap between the check and the load (sticky /tmp lets
its owner replace it), so it is refused, and the Python log is used instead."""

from __future__ import annotations

import os
import tempfile

import pytest

from journey_app.guest import writelog


@pytest.fixture
def shared_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_fresh_folder_is_made_private(shared_tmp):
    folder = writelog._private_dir()
    assert folder.parent == shared_tmp and folder.is_dir() and not folder.is_symlink()
    assert os.stat(folder).st_mode & 0o077 == 0


def test_a_symlinked_folder_is_refused_even_to_a_private_target(shared_tmp):
    # The target passes every ownership/mode check, so only refusing the link itself is safe.
    target = shared_tmp / "elsewhere"
    target.mkdir(mode=0o700)
    (shared_tmp / f"journey-native-{os.getuid()}").symlink_to(target)
    with pytest.raises(OSError, match="not private"):
        writelog._private_dir()


def test_a_file_in_its_place_is_refused(shared_tmp):
    (shared_tmp / f"journey-native-{os.getuid()}").write_bytes(b"")
    with pytest.raises(OSError):
        writelog._private_dir()


def test_a_group_writable_folder_is_refused(shared_tmp):
    folder = shared_tmp / f"journey-native-{os.getuid()}"
    folder.mkdir()
    folder.chmod(0o770)
    with pytest.raises(OSError, match="not private"):
        writelog._private_dir()


def test_an_installers_prebuilt_library_is_loaded_without_the_temp_folder(shared_tmp, tmp_path_factory):
    """The container image compiles the library beside the code at build time (`python -m
    journey_app.guest.writelog`), so a noexec or read-only /tmp cannot push the site onto the Python log."""
    prebuilt = tmp_path_factory.mktemp("prebuilt")
    built = writelog.prebuild(prebuilt)
    assert built.parent == prebuilt and built.name.startswith("writelog-") and built.stat().st_mode & 0o022 == 0
    assert writelog._compile(prebuilt) == built
    assert not (shared_tmp / f"journey-native-{os.getuid()}").exists()      # the temp folder was never needed


def test_without_a_prebuilt_library_it_is_compiled_in_the_private_folder(shared_tmp, tmp_path_factory):
    built = writelog._compile(tmp_path_factory.mktemp("empty"))
    assert built.parent == shared_tmp / f"journey-native-{os.getuid()}" and built.is_file()
