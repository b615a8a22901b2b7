#!/usr/bin/env python3
"""Set-up-free entry point: `python3 dev.py run` runs the bot, `python3 dev.py test` the tests.

Creates (or refreshes, when pyproject.toml changed) a virtualenv in .venv with fanloop and
its dev tools installed, then runs the command inside it. Needs only Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".fanloop-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"fanloop needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PY.exists():
        print("dev.py: creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    print("dev.py: installing fanloop and its dev tools into .venv ...", file=sys.stderr)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "check"):
        print("usage: python3 dev.py run [fanloop run options] | test [pytest options] | check", file=sys.stderr)
        return 2
    ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "run":
        return subprocess.call([str(BIN / "fanloop"), "run", *rest], cwd=ROOT)
    if command == "test":
        return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)
    lint = subprocess.call([str(PY), "-m", "ruff", "check", "."], cwd=ROOT)
    types = subprocess.call([str(PY), "-m", "mypy"], cwd=ROOT)
    return lint or types


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"dev.py: {' '.join(map(str, exc.cmd[:6]))} ... failed (exit {exc.returncode})")
    except KeyboardInterrupt:
        sys.exit(130)
