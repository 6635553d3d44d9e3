"""The fuzz runner: seeds from the real corpus, one operator per case, three stages per mutant.

1. **read**: :func:`stintlab.io.read_file` on the mutant. A :class:`StintlabFormatError` with a
   line is a *typed* outcome; an error without a line, or any other exception, is a bug.
2. **sane**: a parsed lap file must give a sane table: laps strictly increasing per car, positive
   lap times, race times increasing per car, no lap starting before the race, source lines
   within the file; a parsed classification positions of 1..n at most once, laps not negative.
3. **commands** (on parsed mutants, up to ``deep_per_operator`` per operator, or all): every
   command that reads one race file runs in-process through :func:`stintlab.cli.main` (no
   subprocess; :mod:`.commands`: info, classification, standings (final, --hour, --at), stints,
   stops, flags, events, losses, drivers, rules, story (EN, FR), whatif, report, archive add; a
   classification mutant: archive add). Exit 0, or 2 with one line on stderr, is fine; an
   exception escaping ``main`` is a bug. The commands of one mutant share one loaded Race unless
   ``shared_load`` is false. Outcomes are also counted per command (``Report.per_command``).

Each case has a wall-clock limit (``case_seconds``, SIGALRM where available) and, optionally, a
resident-memory limit (``memory_mb``, a watchdog thread): a case past either is a bug
(``timeout``, ``memory``); see :mod:`.guards`.
"""

from __future__ import annotations

import csv
import functools
import random
import resource
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stintlab.errors import StintlabError, StintlabFormatError
from stintlab.fuzz.commands import run_commands
from stintlab.fuzz.guards import CaseTimeout, MemoryLimit, memory_guard, tail, time_limit
from stintlab.fuzz.operators import BOM, OPERATORS, Seed
from stintlab.io import read_file

__all__ = ["Outcome", "Report", "cut_seed", "load_seeds", "run", "run_case", "sanity_problems"]

BUGS = ("untyped", "unlocated", "insane", "timeout", "memory")


@dataclass
class Outcome:
    operator: str
    source: str
    result: str  # "ok", "typed" or one of BUGS
    stage: str  # "read", "sane" or the command that failed
    detail: str = ""
    commands_run: bool = False


@dataclass
class Report:
    cases: int = 0
    seconds: float = 0.0
    counts: dict = field(default_factory=lambda: defaultdict(Counter))  # operator -> result -> n
    commands: Counter = field(default_factory=Counter)  # operator -> mutants that ran the commands
    bugs: list = field(default_factory=list)  # Outcome of every bug (detail: message/traceback tail)
    per_command: dict = field(default_factory=dict)  # command name -> Counter of "ok", "typed", "untyped"
    peak_rss_mb: float = 0.0  # of the whole fuzzing process

    @property
    def totals(self) -> Counter:
        out: Counter = Counter()
        for c in self.counts.values():
            out.update(c)
        return out

    @property
    def n_bugs(self) -> int:
        return sum(self.totals[b] for b in BUGS)

    def table(self) -> str:
        cols = ["ok", "typed", *BUGS]
        head = f"{'operator':28s} {'cases':>6s} " + " ".join(f"{c:>9s}" for c in cols) + f" {'commands':>9s}"
        lines = [head, "-" * len(head)]
        for op in sorted(self.counts):
            c = self.counts[op]
            lines.append(
                f"{op:28s} {sum(c.values()):6d} " + " ".join(f"{c[k]:9d}" for k in cols) + f" {self.commands[op]:9d}"
            )
        t = self.totals
        lines.append("-" * len(head))
        lines.append(
            f"{'total':28s} {self.cases:6d} " + " ".join(f"{t[k]:9d}" for k in cols) + f" {sum(self.commands.values()):9d}"
        )
        lines += ["", f"{'command':28s} {'runs':>6s} {'ok':>9s} {'typed':>9s} {'crash':>9s}"]
        for name, c in self.per_command.items():
            lines.append(f"{name:28s} {sum(c.values()):6d} {c['ok']:9d} {c['typed']:9d} {c['untyped']:9d}")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "cases": self.cases,
            "seconds": round(self.seconds, 1),
            "totals": dict(self.totals),
            "bugs": self.n_bugs,
            "operators": {op: dict(c) | {"commands": self.commands[op]} for op, c in sorted(self.counts.items())},
            "commands_per_outcome": {name: dict(c) for name, c in self.per_command.items()},
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "bug_examples": [o.__dict__ for o in self.bugs[:50]],
        }


# --- seeds ---------------------------------------------------------------------------------------------


def _split(data: bytes) -> tuple[bool, bytes, list[bytes]]:
    bom = data.startswith(BOM)
    body = data[3:] if bom else data
    eol = b"\r\n" if b"\r\n" in body[:4096] else b"\n"
    return bom, eol, [line for line in body.split(eol) if line]


@functools.lru_cache(maxsize=128)
def _file_parts(path: Path) -> tuple[bool, bytes, bytes, bytes, dict[bytes, list[bytes]], list[bytes]]:
    """(bom, eol, separator, header, first 40 rows of each car, first 20 rows) of a corpus file."""
    bom, eol, lines = _split(path.read_bytes())
    header = lines[0]
    sep = b";" if header.count(b";") >= header.count(b",") else b","
    by_car: dict[bytes, list[bytes]] = defaultdict(list)
    for r in lines[1:]:
        rows = by_car[r.split(sep, 1)[0]]
        if len(rows) < 40:
            rows.append(r)
    return bom, eol, sep, header, dict(by_car), lines[1:21]


def cut_seed(path: Path, kind: str, rng: random.Random) -> Seed:
    bom, eol, sep, header, by_car, first = _file_parts(path)
    if kind == "laps":  # a few whole cars from lap 1: realistic, small enough to run every command
        cars = rng.sample(sorted(by_car), min(len(by_car), rng.randint(3, 6)))
        n = rng.randint(12, 30)
        rows = [r for c in cars for r in by_car[c][:n]]
    else:
        rows = first[: rng.randint(5, 20)]
    return Seed(str(path), kind, bom, eol, sep, header, tuple(rows))


def load_seeds(corpus: Path) -> list[tuple[Path, str]]:
    """(file, kind) of every lap file and classification in ``corpus``'s MANIFEST.csv."""
    out = []
    with open(corpus / "MANIFEST.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r.get("laps_file"):
                out.append((corpus / r["race"] / r["laps_file"], "laps"))
            if r.get("results_file"):
                out.append((corpus / r["race"] / r["results_file"], "classification"))
    return [(p, k) for p, k in out if p.is_file()]


# --- checks ------------------------------------------------------------------------------------------------


def sanity_problems(parsed, nlines: int) -> list[str]:
    """What is wrong with a parsed table (empty list when it is sane)."""
    t = parsed.table
    out = []
    line = t["line"].to_numpy()
    if len(line) and (line.min() < 2 or line.max() > nlines):
        out.append(f"source line out of the file: {line.min()}..{line.max()} of {nlines}")
    if parsed.format == "laps":
        car = t["car"].astype(str).to_numpy()
        same = np.r_[False, car[1:] == car[:-1]]
        lap, el, lt = t["lap"].to_numpy(), t["elapsed"].to_numpy(float), t["lap_time"].to_numpy(float)
        if (same & np.r_[False, lap[1:] <= lap[:-1]]).any():
            out.append("laps not increasing within a car")
        if (same & np.r_[False, el[1:] <= el[:-1]]).any():
            out.append("race time not increasing within a car")
        if int((~same).sum()) != len(set(car)):  # one run of rows per car
            out.append("a car's rows are not contiguous")
        if not (np.isfinite(lt) & (lt > 0)).all() or not (np.isfinite(el) & (el > 0)).all():
            out.append("a lap or race time that is not positive and finite")
        if (t["lap_start"].to_numpy(float) < -0.0005).any():
            out.append("a lap starting before the race")
        for c in ("pit_time", "s1", "s2", "s3"):
            v = t[c].to_numpy(float)
            if (v[~np.isnan(v)] < 0).any() or np.isinf(v).any():
                out.append(f"negative or infinite {c}")
        if t["car"].astype(str).str.contains("\ufeff").any():
            out.append("a BOM inside a car number")
    elif parsed.format == "classification":
        laps = t["laps"].dropna().to_numpy()
        if (laps < 0).any():
            out.append("negative laps")
    return out


# --- one case --------------------------------------------------------------------------------------------------


def run_case(
    data: bytes,
    seed: Seed,
    operator: str,
    workdir: Path,
    *,
    deep: bool,
    case_seconds: float,
    tally: dict | None = None,
    shared_load: bool = True,
) -> Outcome:
    """One mutant through the three stages (see the module docstring); ``tally``: command name ->
    Counter of outcomes, updated when the commands run."""
    # each kind in its own folder: a classification mutant left beside a lap mutant would be found
    # and used by load() (the commands of a lap mutant must see that file alone)
    workdir = workdir / seed.kind
    workdir.mkdir(exist_ok=True)
    path = workdir / ("laps.csv" if seed.kind == "laps" else "results.csv")
    path.write_bytes(data)
    nlines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
    out = Outcome(operator, Path(seed.source).parent.name, "ok", "read")
    try:
        with time_limit(case_seconds):
            try:
                parsed = read_file(path)
            except StintlabFormatError as exc:
                out.result, out.detail = ("typed" if exc.line is not None else "unlocated"), str(exc)[:300]
                return out
            except StintlabError as exc:
                out.result, out.detail = "unlocated", str(exc)[:300]
                return out
            except Exception as exc:
                out.result, out.detail = "untyped", tail(exc)
                return out
            problems = sanity_problems(parsed, max(nlines, 1))
            if problems:
                out.result, out.stage, out.detail = "insane", "sane", "; ".join(problems)
                return out
            if deep and parsed.format in ("laps", "classification") and len(parsed.table):
                out.commands_run = True
                car = str(parsed.table["car"].iat[0])
                laps = parsed.table.get("lap")
                lap = int(laps.iat[min(1, len(laps) - 1)]) if laps is not None else 1
                result, stage, detail = run_commands(path, parsed.format, car, lap, workdir, tally, shared_load)
                if result != "ok":
                    out.result, out.stage, out.detail = result, stage, detail
    except CaseTimeout:
        out.result, out.detail = "timeout", f"over {case_seconds:g} s"
    except MemoryLimit:
        out.result, out.detail = "memory", "resident memory over the limit"
    return out


# --- many cases ------------------------------------------------------------------------------------------------


def run(
    cases: int,
    *,
    seed: int = 0,
    corpus: Path,
    deep_per_operator: int | None = 3,
    deep_limit: int | None = None,
    case_seconds: float = 120.0,
    max_seconds: float | None = None,
    memory_mb: float = 0,
    shared_load: bool = True,
    workdir: Path | None = None,
    progress=None,
) -> Report:
    """Run ``cases`` mutants (operators in turn, so each gets its share); see the module docstring.
    At most ``deep_per_operator`` parsed mutants per operator (None: all) and ``deep_limit`` in all
    run the commands. ``max_seconds``: stop starting new cases after this long; ``memory_mb``: the
    resident-memory limit of a case (0: none; see :func:`memory_guard`); ``shared_load``: a mutant's
    commands share one loaded Race; ``workdir``: where the mutants are written (e.g. /dev/shm)."""
    rng = random.Random(seed)
    seeds = load_seeds(Path(corpus))
    if not seeds:
        raise StintlabError(f"no corpus files under {corpus} (MANIFEST.csv lists none)")
    names = sorted(OPERATORS)
    report = Report()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stintlab-fuzz-", dir=workdir) as tmp, memory_guard(memory_mb):
        work = Path(tmp)
        for i in range(cases):
            if max_seconds is not None and time.monotonic() - start > max_seconds:
                break
            case_rng = random.Random(rng.getrandbits(64))
            operator = names[i % len(names)]
            path, kind = seeds[case_rng.randrange(len(seeds))]
            base = cut_seed(path, kind, case_rng)
            data = OPERATORS[operator](base, case_rng)
            deep = deep_per_operator is None or report.commands[operator] < deep_per_operator
            deep &= deep_limit is None or sum(report.commands.values()) < deep_limit
            out = run_case(
                data, base, operator, work, deep=deep, case_seconds=case_seconds, tally=report.per_command,
                shared_load=shared_load,
            )  # fmt: skip
            report.cases += 1
            report.counts[operator][out.result] += 1
            report.commands[operator] += int(out.commands_run)
            if out.result in BUGS:
                report.bugs.append(out)
            if progress is not None:
                progress(i + 1, cases, out, report)
    report.seconds = time.monotonic() - start
    report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report
