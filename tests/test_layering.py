"""The core never imports an adapter or a platform library; services never open sessions."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("adapters", "telegram", "discord", "aiohttp")
COMPOSITION_ROOT = {"bot/app.py"}  # builds the app and loads adapters by name; only the CLI imports it
ENTRY_POINTS = COMPOSITION_ROOT | {"bot/cli.py"}  # may name SQLAlchemy errors to report them


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
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{rel} imports {name}")
    assert offenders == []


def test_only_the_cli_imports_the_composition_root() -> None:
    users = [
        p.relative_to(ROOT).as_posix()
        for p in _files("bot") + _files("storage") + _files("adapters")
        if "bot.app" in _imports(p)
    ]
    assert users == ["bot/cli.py"]


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
