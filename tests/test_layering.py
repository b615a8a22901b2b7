"""The core never imports an adapter or a platform library; features never reach up into the core's
machinery or into each other; adapters never reach into features; features never open sessions."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("adapters", "telegram", "discord", "aiohttp")
COMPOSITION_ROOT = {"bot/app.py"}  # installs the features and adapters; only the CLI imports it
#: the process's own HTTP edge (/healthz, /metrics, the dashboard's server) serves with aiohttp.web;
#: handlers and features never do (their pages are plain functions, bot/dashboard/pages.py), and no
#: platform library is imported there either
HTTP_EDGE = {"bot/web.py", "bot/health.py", "bot/dashboard/server.py"}
CLI = {"bot/cli.py", "bot/cli_web.py", "bot/cli_data.py"}  # cli_data: the data commands
ENTRY_POINTS = COMPOSITION_ROOT | CLI  # may name SQLAlchemy errors to report them


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_core_and_storage_import_no_adapter_or_platform_library() -> None:
    offenders = []
    for package in ("bot", "storage"):
        for path in _files(package):
            rel = path.relative_to(ROOT).as_posix()
            if rel in COMPOSITION_ROOT:
                continue
            for name in _imports(path):
                if name.split(".")[0] == "aiohttp" and rel in HTTP_EDGE:
                    continue
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{rel} imports {name}")
    assert offenders == []


def test_only_the_cli_imports_the_composition_root() -> None:
    users = [
        p.relative_to(ROOT).as_posix()
        for p in _files("bot") + _files("storage") + _files("adapters")
        if "bot.app" in _imports(p)
    ]
    assert set(users) <= CLI


def test_services_and_handlers_never_open_database_sessions() -> None:
    offenders = []
    for path in _files("bot"):
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        if rel in ENTRY_POINTS:
            continue
        for needle in (".session(", "sessionmaker", "AsyncSession", ".sessions("):
            if needle in source:
                offenders.append(f"{rel} uses {needle}")
        offenders += [f"{rel} imports {n}" for n in _imports(path) if n.split(".")[0] in ("sqlalchemy", "sqlmodel")]
    assert offenders == []


def test_adapters_do_not_reach_into_storage() -> None:
    offenders = [
        f"{p.relative_to(ROOT).as_posix()} imports {n}"
        for p in _files("adapters")
        for n in _imports(p)
        if n.split(".")[0] == "storage"
    ]
    assert offenders == []


def test_the_layering_check_itself_finds_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import telegram\nfrom adapters.console import ConsoleAdapter\n")
    assert [n.split(".")[0] for n in _imports(bad)] == ["telegram", "adapters"]


#: what a feature may not import: the machinery that installs and drives it
CORE_MACHINERY = ("bot.app", "bot.cli", "bot.dispatcher", "bot.scheduler", "bot.features")


def layering_problems(rel: str, imports: list[str]) -> list[str]:
    """The upward and sideways imports of one file (a path relative to the repository)."""
    problems = []
    parts = rel.split("/")
    for name in imports:
        if rel.startswith("bot/features/") and len(parts) > 3:
            own = f"bot.features.{parts[2]}"
            if name == own or name.startswith(own + "."):
                continue
            if any(name == m or name.startswith(m + ".") for m in CORE_MACHINERY):
                problems.append(f"{rel} imports {name}")
        elif rel.startswith("adapters/") and name.split(".")[:2] == ["bot", "features"]:
            problems.append(f"{rel} imports {name}")
        elif rel.startswith(("bot/", "storage/")) and not rel.startswith("bot/features/"):
            core_may_list_features = rel in COMPOSITION_ROOT | {
                "bot/cli.py",
                "bot/cli_data.py",
                "bot/features/__init__.py",
            }
            if name.startswith("bot.features.") and not core_may_list_features:
                problems.append(f"{rel} imports {name}")
    return problems


def test_features_import_no_core_machinery_nor_each_other_and_adapters_no_feature() -> None:
    offenders = []
    for package in ("bot", "adapters", "storage"):
        for path in _files(package):
            rel = path.relative_to(ROOT).as_posix()
            offenders += layering_problems(rel, _imports(path))
    assert offenders == []


def test_the_feature_layering_check_finds_violations() -> None:
    assert layering_problems("bot/features/points/commands.py", ["bot.dispatcher"]) == [
        "bot/features/points/commands.py imports bot.dispatcher"
    ]
    assert layering_problems("bot/features/releases/service.py", ["bot.features.feedback.notifier"]) == [
        "bot/features/releases/service.py imports bot.features.feedback.notifier"
    ]
    assert layering_problems("adapters/discord/roles.py", ["bot.features.points.service"]) == [
        "adapters/discord/roles.py imports bot.features.points.service"
    ]
    assert layering_problems("bot/messenger.py", ["bot.features.feedback"]) == [
        "bot/messenger.py imports bot.features.feedback"
    ]
    # what is allowed: a feature's own modules, the core's contracts, storage
    ok = ["bot.features.points.service", "bot.contracts", "bot.feature", "storage.repositories.points"]
    assert layering_problems("bot/features/points/__init__.py", ok) == []
