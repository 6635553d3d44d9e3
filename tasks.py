#!/usr/bin/env python3
"""The two set-up commands of the README, for a fresh machine with only Python 3.11+.

    python3 tasks.py report [FILE] [stintlab report options]   # HTML race report (demo race without FILE)
    python3 tasks.py test                                       # the full test suite (what CI runs)

Both create ./.venv when missing and install what they need into it; ``test`` also installs
Debian's chromium (apt-get) for the browser tests when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*cmd, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def ensure_venv(extras: str = "") -> None:
    if not PY.exists():
        run(sys.executable, "-m", "venv", VENV)
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PY, "-m", "pip", "install", "--quiet", "-e", target, cwd=ROOT)


def ensure_chromium() -> None:
    if Path("/usr/bin/chromium").exists():
        return
    if shutil.which("apt-get") is None:
        print("warning: apt-get not found; browser tests need /usr/bin/chromium", flush=True)
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(*sudo, "apt-get", "update", "-qq", env=env)
    run(*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-dejavu-core", env=env)


def cmd_report(args: list[str]) -> int:
    ensure_venv()
    if not any(a in ("-o", "--output") for a in args):
        args = [*args, "-o", "report.html"]
    return subprocess.call([str(BIN / "stintlab"), "report", *args], cwd=os.getcwd())


def cmd_test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_chromium()
    rc = subprocess.call([str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "tasks.py"], cwd=ROOT)
    if rc:
        return rc
    workers = ["-n", os.environ.get("STINTLAB_TEST_WORKERS", "2")]
    return subprocess.call([str(PY), "-m", "pytest", *workers, "-q", *args], cwd=ROOT)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("report", "test"):
        print(__doc__)
        return 2
    return {"report": cmd_report, "test": cmd_test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
