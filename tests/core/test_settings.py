"""Configuration loading and `fanloop config check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.platforms import PlatformRegistry
from bot.settings import ConfigError, Settings, load_settings

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


PLATFORMS = PlatformRegistry.discover()


def load(cfg: Path) -> tuple[Settings, dict[str, Any]]:
    """As every command loads its configuration: the file, the environment, each platform's section."""
    settings = load_settings(cfg, PLATFORMS.names())
    return settings, PLATFORMS.sections(settings)


def test_platforms_come_from_the_installed_entry_points() -> None:
    assert PLATFORMS.names() == ["console", "discord", "telegram"]


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
    s, sections = load(cfg)
    assert sections["telegram"].base_url == "http://127.0.0.1:9/bot"
    assert s.database_url == "postgresql://x@h/db"
    assert PLATFORMS.configured(sections) == ["telegram"]
    assert "SECRET" not in repr(s) and "SECRET" not in str(sections["telegram"])


def test_token_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "token"
    secret.write_text("999:FROMFILE\n")
    cfg = tmp_path / "f.toml"
    cfg.write_text(f'[discord]\ntoken_file = "{secret}"\n')
    _, sections = load(cfg)
    token = sections["discord"].token
    assert token is not None and token.get_secret_value() == "999:FROMFILE"
    cfg.write_text('[discord]\ntoken_file = "/nonexistent/token"\n')
    with pytest.raises(ConfigError, match=r"discord: .*cannot read token_file"):
        load(cfg)


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
        load(cfg)
    assert message in str(info.value)


def test_missing_config_file() -> None:
    result = _check("--config", "/nonexistent/fanloop.toml")
    assert result.returncode == 2
    assert "config file not found" in result.stderr


@pytest.mark.parametrize("value", ["2000,2001", "[2000, 2001]", " 2000 , 2001 "])
def test_list_settings_read_commas_or_json_from_the_environment(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANLOOP_DISCORD_GUILD_IDS", value)
    monkeypatch.setenv("FANLOOP_ROLES_MANAGERS", "telegram:1,discord:2")
    settings = load_settings(None, PLATFORMS.names())
    assert PLATFORMS.sections(settings)["discord"].guild_ids == [2000, 2001]  # type: ignore[attr-defined]
    assert settings.roles.managers == ["telegram:1", "discord:2"]


def test_a_bad_list_setting_is_one_line_naming_it() -> None:
    result = _check(env={"FANLOOP_DISCORD_GUILD_IDS": "2000,abc"})
    assert result.returncode == 2
    assert "guild_ids" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{version} {foo}", "unknown placeholder(s) {foo}; use {version}, {notes}, {ideas}"),
        ("{version} {", "Single '{' encountered in format string (write {{ and }} for a literal brace)"),
        ("{}", "unknown placeholder(s) {}; use {version}, {notes}, {ideas}"),
    ],
)
def test_a_broken_release_template_fails_config_check(tmp_path: Path, template: str, problem: str) -> None:
    cfg = tmp_path / "f.toml"
    cfg.write_text(f"[announcements]\nrelease_template = {template!r}\n".replace("'", '"'))
    result = _check("--config", str(cfg))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: announcements.release_template: {problem}"
