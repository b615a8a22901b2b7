"""Configuration loading and `fanloop config check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]


def _check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "config", "check"],
        capture_output=True,
        text=True,
        env=full,
        cwd=REPO,
        check=False,
    )


def test_example_config_is_valid() -> None:
    result = _check("--config", "config/fanloop.example.toml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_bad_timezone_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "f.toml"
    cfg.write_text('[announcements]\ntimezone = "Mars/Base"\n')
    result = _check("--config", str(cfg))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: announcements.timezone: unknown time zone 'Mars/Base'"


def test_environment_overrides_the_file_and_secrets_are_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "f.toml"
    cfg.write_text('[telegram]\nbase_url = "http://a/bot"\n')
    monkeypatch.setenv("FANLOOP_TELEGRAM_TOKEN", "123:SECRET")
    monkeypatch.setenv("FANLOOP_TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("FANLOOP_DATABASE_URL", "postgresql://x@h/db")
    s = load_settings(cfg)
    assert s.telegram.base_url == "http://127.0.0.1:9/bot"
    assert s.database_url == "postgresql://x@h/db"
    assert s.has_telegram and "SECRET" not in repr(s) and "SECRET" not in str(s.telegram)


def test_token_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "token"
    secret.write_text("999:FROMFILE\n")
    cfg = tmp_path / "f.toml"
    cfg.write_text(f'[discord]\ntoken_file = "{secret}"\n')
    s = load_settings(cfg)
    assert s.discord.token is not None and s.discord.token.get_secret_value() == "999:FROMFILE"
    cfg.write_text('[discord]\ntoken_file = "/nonexistent/token"\n')
    with pytest.raises(ConfigError, match=r"discord: .*cannot read token_file"):
        load_settings(cfg)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[telegram]\ntokn = 'x'\n", "telegram.tokn: unknown setting"),
        ("log_level = 'LOUD'\n", "log_level: unknown log level 'LOUD'"),
        ("[roles]\nadmins = ['alice']\n", "roles.admins: 'alice' must look like telegram:123"),
        (
            "[limits]\ncommands_per_window = 0\n",
            "limits.commands_per_window: Input should be greater than or equal to 1",
        ),
        ("this is not toml", "invalid TOML"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, content: str, message: str) -> None:
    cfg = tmp_path / "f.toml"
    cfg.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert message in str(info.value)


def test_missing_config_file() -> None:
    result = _check("--config", "/nonexistent/fanloop.toml")
    assert result.returncode == 2
    assert "config file not found" in result.stderr
