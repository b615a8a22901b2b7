"""The release: a wheel built from the source tree installs into a fresh virtualenv and runs a
transcript there — migrations, entry points and package data included, no checkout needed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TRANSCRIPT = """alice: /idea A dark mode for the gallery app
bob: /vote 1
alice: /feedback show 1
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built offline from a copy of the tree (setuptools writes build/ next to the sources)."""
    tmp = tmp_path_factory.mktemp("release")
    source = tmp / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (built,) = (tmp / "dist").glob("fanloop-*.whl")
    return built


def test_the_wheel_holds_the_migrations_the_adapters_and_the_license(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    versions = sorted(p.name for p in (REPO / "storage/migrations/versions").glob("0*.py"))
    assert {f"storage/migrations/versions/{v}" for v in versions} <= names
    assert {"storage/migrations/env.py", "storage/migrations/script.py.mako"} <= names
    # the catalogs and the dashboard's templates and stylesheet
    data = [p.relative_to(REPO).as_posix() for p in (REPO / "bot").rglob("*") if p.suffix in (".po", ".html", ".css")]
    assert data and set(data) <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "fanloop = bot.cli:main" in text
    assert all(f"{p} = adapters.{p}.plugin:plugin" in text for p in ("console", "telegram", "discord"))


def test_the_wheel_installs_into_a_fresh_venv_and_runs_a_transcript(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)  # ensurepip: offline
    bindir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / "python"
    # the dependencies come from this test run's environment (no network in tests); fanloop itself
    # only from the wheel: a path line in a .pth adds no site dir, so the editable install's hook
    # living there is never run
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {"PATH": str(bindir), "HOME": str(tmp_path), "FANLOOP_DATA_DIR": str(tmp_path / "data")}
    where = subprocess.run(
        [str(python), "-c", "import bot, storage.migrations; print(bot.__file__)"],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(site)  # the installed copy, not the checkout
    version = subprocess.run([str(bindir / "fanloop"), "--version"], cwd=cwd, env=env, capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("fanloop, version ")
    run = subprocess.run(
        [str(bindir / "fanloop"), "run", "--transcript", "-"],
        input=TRANSCRIPT, cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:3] == [
        "bot> Thanks alice! Logged your idea as #1 “A dark mode for the gallery app”. Follow it with /feedback show 1"
        " — you'll hear here when its status changes.",
        "bot> Your vote for #1 “A dark mode for the gallery app” is in — 1 vote now. You'll hear when it changes.",
        "bot> #1 “A dark mode for the gallery app” — idea, new",
    ]


def test_the_systemd_unit_example_is_valid(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = (REPO / "config/fanloop.service").read_text()
    fanloop = shutil.which("fanloop", path=str(Path(sys.executable).parent))
    assert fanloop is not None and "/opt/fanloop/venv/bin/fanloop" in unit
    (tmp_path / "fanloop.service").write_text(unit.replace("/opt/fanloop/venv/bin/fanloop", fanloop))
    result = subprocess.run([analyze, "verify", str(tmp_path / "fanloop.service")], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
