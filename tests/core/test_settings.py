"""Settings are documented data: every setting is in the README table, and the environment is read correctly."""

from __future__ import annotations

from pathlib import Path

from journey_app.settings import SETTINGS_DOC, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text()

    missing = [var for var, _default, _meaning in SETTINGS_DOC.values() if f"`{var}`" not in text]

    assert missing == []


def test_environment_values_are_cast_to_their_types(tmp_path):
    env = {"JOURNEY_CONTENT": str(tmp_path), "JOURNEY_PORT": "9123", "JOURNEY_BUILD_TIMEOUT": "2.5"}

    settings = Settings.from_env(env)

    assert settings.content_root == tmp_path
    assert settings.port == 9123
    assert settings.build_timeout == 2.5


def test_defaults_bind_localhost_and_use_sqlite_in_the_cache(tmp_path):
    settings = Settings.from_env({"JOURNEY_CACHE": str(tmp_path)})

    assert settings.host == "127.0.0.1"
    assert settings.database_url == f"sqlite:///{tmp_path / 'journey.sqlite3'}"


# sha256 of arch/x86/lguest/i386_head.S at a91d74a3c4 (191 lines, 7,748 bytes), as in ../shared/seed/.
SEED_SHA256 = "dc7671076d626fd4ec9c19f5964d1fd057b36c451d14eaa992a2513f4f15afba"


def test_bundled_content_holds_the_exact_kernel_file():
    import hashlib

    bundled = Settings().content_root / "kernels" / "2.6.31" / "arch" / "x86" / "lguest" / "i386_head.S"

    data = bundled.read_bytes()

    assert hashlib.sha256(data).hexdigest() == SEED_SHA256
    assert len(data) == 7748 and data.count(b"\n") == 191
