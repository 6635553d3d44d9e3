"""Whole-process time of every CLI command (issue #16 item 3: every command on a 24 h race
<= 0.8 s, ``report`` <= 2 s).

    .venv/bin/python benchmarks/bench_cli.py                         # every command, median of 3
    .venv/bin/python benchmarks/bench_cli.py --against ../main/src   # paired with another tree
    .venv/bin/python benchmarks/bench_cli.py --only stops,career --repeat 5 --json

Each command runs in a fresh process (``python -m stintlab CMD ...``, stdout a pipe: what
``time stintlab CMD ... | less`` or a script sees), ``--repeat`` times, and the median wall time
is compared with its target (PASS/FAIL); the median CPU time (user + system) is printed beside it,
less sensitive to the other processes of a shared machine. Modules run from bytecode compiled on a
warm-up run (``$PYTHONPYCACHEPREFIX`` in the temporary folder), as an installed package does; with
``--no-bytecode`` an environment setting ``PYTHONDONTWRITEBYTECODE`` is kept (every run then compiles
stintlab's own modules: ~0.1 s more). Race commands run on Le Mans 2019 and 2024 lap files;
``season``, ``career``, ``rating``, ``categories``, ``archive list``/``aliases`` on a small archive
built first in a temporary folder with ``stintlab archive add`` from 5 corpus races (Le Mans 2024
and 2025, Sebring 2024, Spa and Imola 2025). ``$STINTLAB_ARCHIVE`` points at that archive for every command
(the commands that grade drivers from the default archive open it, as on a user's machine);
``--no-default-archive``: none (race commands then grade drivers from the race's own files only).

With ``--against SRC`` every command also runs with ``PYTHONPATH=SRC`` (e.g. main's tree), the two
trees alternating run by run so that both see the same machine load. Then, for the ``--slowest``
slowest commands, ``python -X importtime`` of one run: the packages whose imports cost most
(self time summed per top-level package) and the import total.

Not run: ``serve`` (a server), ``follow`` (polls), ``fetch`` (network), ``calibrate`` (fits on the
whole corpus, a batch tool). A shared 2-core machine varies by +-50 %: compare paired runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_cli_output import CORPUS, ROOT, lap_file  # noqa: E402  (the one lap-file lookup of the CLI benchmarks)

TARGET = 0.8
TARGETS = {"report": 2.0}
ARCHIVE_RACES = [
    "lemans-2024",
    "imsa-2024-sebring-international-raceway",
    "lemans-2025",
    "wec-2025-spa6h",
    "wec-2025-imola6h",
]
DRIVER = "Ben KEATING"  # in all five archived races (IMSA: "Ben Keating", Bronze by its classification)

CREW = """\
class: LMGT3
stint_laps: 14
lap_time: "3:58.0"
pit_time: 70
drivers:
  - {name: Ana BRONZE, category: Bronze}
  - {name: Ben SILVER, category: Silver}
  - {name: Cy PLATINUM, category: Platinum}
"""

CALENDAR = """\
event,series,date,track,drivers
le-mans,WEC,2025-06-14,Le Mans,Ben KEATING
spa,WEC,2025-05-10,Spa,Ben KEATING
imola,WEC,2025-04-20,Imola,Ben KEATING
"""


def commands(tmp: Path, db: Path) -> list[tuple[str, list[str]]]:
    """(label, argv after ``stintlab``) of every command benchmarked."""
    l19, l24 = str(lap_file("lemans-2019")), str(lap_file("lemans-2024"))
    out = str(tmp / "out")
    return [
        ("--help", ["--help"]),
        ("info 2019", ["info", l19]),
        ("classification 2019", ["classification", l19]),
        ("standings 2019", ["standings", l19]),
        ("standings --hour 12 2024", ["standings", l24, "--hour", "12"]),
        ("standings --at 2024", ["standings", l24, "--at", "12:00:00"]),
        ("stops 2019", ["stops", l19]),
        ("stops 2024", ["stops", l24]),
        ("stops --car 2019", ["stops", l19, "--car", "8"]),
        ("stints 2019", ["stints", l19, "--car", "8"]),
        ("events 2019", ["events", l19, "--car", "8"]),
        ("flags 2019", ["flags", l19]),
        ("flags 2024", ["flags", l24]),
        ("losses 2019", ["losses", l19]),
        ("drivers 2019", ["drivers", l19]),
        ("drivers 2024", ["drivers", l24]),
        ("drivers --crews 2024", ["drivers", l24, "--crews"]),
        ("rules 2024", ["rules", l24]),
        ("rules --list", ["rules", "--list"]),
        ("categories --race 2024", ["categories", "--race", l24, "--db", str(db)]),
        ("categories DRIVER", ["categories", DRIVER, "--db", str(db)]),
        ("rating", ["rating", "--db", str(db)]),
        ("story 2019", ["story", l19, "--car", "8"]),
        ("story 2024", ["story", l24, "--car", "50"]),
        ("whatif 2024", ["whatif", l24, "--car", "50", "--stop", "35=median", "--runs", "50"]),
        ("project 2024", ["project", l24, "--at", "12:00:00"]),
        ("replay 2024", ["replay", l24, "--every", "3600", "--top", "5"]),
        ("plan", ["plan", "--rules", "lemans-2024", "--crew", str(tmp / "crew.yaml"), "--hours", "24"]),
        ("simulate 6h", ["simulate", "--hours", "6", "--seed", "1", "-o", out + "-sim.csv"]),
        ("season", ["season", DRIVER, "--year", "2025", "--db", str(db)]),
        ("career", ["career", DRIVER, "--db", str(db)]),
        ("career --json", ["career", DRIVER, "--db", str(db), "--json"]),
        ("archive list", ["archive", "list", "--db", str(db)]),
        ("archive aliases", ["archive", "aliases", "--db", str(db)]),
        ("calendar check", ["calendar", "check", str(tmp / "calendar.csv"), "--driver", DRIVER]),
        ("report 2019", ["report", l19, "-o", out + "-2019.html"]),
        ("report 2024", ["report", l24, "-o", out + "-2024.html"]),
    ]


def run_once(argv: list[str], env: dict) -> tuple[float, float, int]:
    """(wall s, CPU s user+system, exit code) of one fresh ``python -m stintlab ARGV``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "stintlab", *argv], env=env, capture_output=True, check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), p.returncode


def import_profile(argv: list[str], env: dict, top: int) -> tuple[float, list[tuple[str, float]]]:
    """(total import s, [(top-level package, self s)] costliest first) of one run under -X importtime."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "stintlab", *argv], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    per: dict[str, float] = {}
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cum, name = line[len("import time:"):].split("|")  # fmt: skip
        pkg = name.strip().split(".")[0]
        per[pkg] = per.get(pkg, 0.0) + int(self_us) / 1e6
    return sum(per.values()), sorted(per.items(), key=lambda kv: -kv[1])[:top]


def build_archive(db: Path, env: dict) -> None:
    paths = [str(CORPUS / r) for r in ARCHIVE_RACES]
    p = subprocess.run([sys.executable, "-m", "stintlab", "archive", "add", "--db", str(db), *paths], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    if p.returncode:
        raise SystemExit(f"archive add failed: {p.stderr}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="tree measured (default: this one)")
    ap.add_argument("--against", type=Path, help="another tree's src, run paired (e.g. ../main/src)")
    ap.add_argument("--only", help="comma-separated labels (or label prefixes) to run")
    ap.add_argument("--slowest", type=int, default=3, help="import profile of the N slowest commands")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep $PYTHONDONTWRITEBYTECODE: every run compiles stintlab's modules again")
    ap.add_argument("--no-default-archive", action="store_true",
                    help="no $STINTLAB_ARCHIVE and an empty $XDG_DATA_HOME: race commands grade drivers without "
                         "the archive (the archive commands still name theirs with --db)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    try:
        (tmp / "crew.yaml").write_text(CREW, encoding="utf-8")
        (tmp / "calendar.csv").write_text(CALENDAR, encoding="utf-8")
        db = tmp / "archive.duckdb"
        base = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
        base.update(STINTLAB_ARCHIVE=str(db), STINTLAB_CACHE=str(tmp / "cache"), COLUMNS="120")
        if a.no_default_archive:
            del base["STINTLAB_ARCHIVE"]
            base["XDG_DATA_HOME"] = str(tmp / "no-data-home")
        if not a.no_bytecode:  # as an installed package runs: modules compiled once (cache outside the trees)
            base.pop("PYTHONDONTWRITEBYTECODE", None)
            base["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        trees = {"after": a.src.resolve()}
        if a.against:
            trees = {"before": a.against.resolve(), **trees}
        envs = {k: {**base, "PYTHONPATH": str(v)} for k, v in trees.items()}
        build_archive(db, envs["after"])
        for k in trees:  # warm-up: bytecode compiled, files in the OS cache
            run_once(["report", str(lap_file("lemans-2024")), "-o", str(tmp / "warm.html")], envs[k])
            run_once(["replay", str(lap_file("lemans-2024")), "--every", "36000"], envs[k])
        todo = commands(tmp, db)
        if a.only:
            want = [w.strip() for w in a.only.split(",")]
            todo = [(lab, argv) for lab, argv in todo if any(lab == w or lab.startswith(w) for w in want)]
        results = []
        for label, argv in todo:
            times: dict[str, list[float]] = {k: [] for k in trees}
            cpus: dict[str, list[float]] = {k: [] for k in trees}
            codes = set()
            for _ in range(a.repeat):
                for k in trees:  # alternate the trees: paired under the same load
                    t, cpu, rc = run_once(argv, envs[k])
                    times[k].append(t)
                    cpus[k].append(cpu)
                    codes.add((k, rc))
            target = TARGETS.get(label.split()[0], TARGET)
            row = {"command": label, "argv": argv, "target s": target,
                   **{f"{k} s": round(statistics.median(v), 3) for k, v in times.items()},
                   **{f"{k} cpu s": round(statistics.median(v), 3) for k, v in cpus.items()},
                   "exit codes": sorted(codes)}  # fmt: skip
            row["pass"] = row["after s"] <= target
            results.append(row)
            if not a.json:
                if not results[1:]:
                    print(f"{'command':<26} " + "  ".join(f"{k + ' s':>8} {'cpu':>6}" for k in trees) + "  target")
                cols = "  ".join(f"{row[k + ' s']:8.3f} {row[k + ' cpu s']:6.3f}" for k in trees)
                bad = [c for c in codes if c[1] != 0]
                print(f"{label:<26} {cols}  {'PASS' if row['pass'] else 'FAIL'} (<= {target} s)"
                      f"{'  exit ' + str(bad) if bad else ''}", flush=True)  # fmt: skip
        slow = sorted(results, key=lambda r: -r["after s"])[: a.slowest]
        profiles = {}
        for r in slow:
            total, top = import_profile(r["argv"], envs["after"], 8)
            profiles[r["command"]] = {"imports s": round(total, 3), "top": [(p, round(s, 3)) for p, s in top]}
        passed = sum(r["pass"] for r in results)
        if a.json:
            print(json.dumps({"trees": {k: str(v) for k, v in trees.items()}, "repeat": a.repeat,
                              "results": results, "import profiles": profiles}, indent=2))  # fmt: skip
            return
        print(f"\n{passed}/{len(results)} PASS on wall time (median of {a.repeat}, whole process, "
              f"{'no bytecode cache' if a.no_bytecode else 'bytecode cached'}; cpu: user+system s of the process; "
              f"{'before = ' + str(trees['before']) + ', ' if 'before' in trees else ''}after = {trees['after']})")
        print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        for cmd, prof in profiles.items():
            tops = ", ".join(f"{p} {s:.3f}" for p, s in prof["top"])
            print(f"\n{cmd}: imports {prof['imports s']:.3f} s (-X importtime, self time per package): {tops}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
