"""``python -m stintlab.fuzz``: run the fuzz harness and print the counts per operator."""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from pathlib import Path

from stintlab.fuzz.runner import run


def _default_corpus() -> Path:
    env = os.environ.get("STINTLAB_CORPUS")
    return Path(env) if env else Path.cwd().parent / "shared" / "data" / "races"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m stintlab.fuzz", description=__doc__)
    ap.add_argument("--cases", type=int, default=1000, help="number of mutants (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--corpus", type=Path, default=None, help="race corpus folder with MANIFEST.csv")
    ap.add_argument(
        "--deep-per-operator", type=int, default=3, help="mutants per operator run through every command (-1: all)"
    )
    ap.add_argument("--minutes", type=float, default=None, help="stop starting new cases after this many minutes")
    ap.add_argument("--case-seconds", type=float, default=120.0, help="wall-clock limit of one case")
    ap.add_argument(
        "--memory-mb", type=int, default=1024, help="resident-memory limit of a case: past it, a 'memory' bug (0: none)"
    )
    ap.add_argument(
        "--address-space-mb", type=int, default=8192, help="address-space limit of the process, a backstop (0: none)"
    )
    ap.add_argument(
        "--fresh-load", action="store_true", help="each command loads the mutant itself (default: one shared load)"
    )
    ap.add_argument("--workdir", type=Path, default=None, help="where mutants are written (default: the temp folder)")
    ap.add_argument("--json", action="store_true", help="print the counts as JSON")
    ap.add_argument("--snapshot", type=Path, default=None, help="write the counts so far (JSON) here every 250 cases")
    ap.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    args = ap.parse_args(argv)
    corpus = args.corpus or _default_corpus()
    if not (corpus / "MANIFEST.csv").is_file():
        print(f"stintlab.fuzz: error: no MANIFEST.csv in {corpus} (give --corpus)", file=sys.stderr)
        return 2
    if args.address_space_mb > 0:  # one giant allocation becomes a MemoryError (a bug counted), not the OOM killer
        limit = args.address_space_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def progress(done, total, out, report):
        if not args.quiet and (done % 100 == 0 or done == total):
            print(f"\r{done}/{total} cases", end="" if done < total else "\n", file=sys.stderr, flush=True)
        if args.snapshot is not None and (done % 250 == 0 or done == total):
            args.snapshot.write_text(json.dumps(report.as_dict(), indent=2, default=str), encoding="utf-8")

    report = run(
        args.cases,
        seed=args.seed,
        corpus=corpus,
        deep_per_operator=None if args.deep_per_operator < 0 else args.deep_per_operator,
        case_seconds=args.case_seconds,
        max_seconds=None if args.minutes is None else args.minutes * 60,
        memory_mb=args.memory_mb,
        shared_load=not args.fresh_load,
        workdir=args.workdir,
        progress=progress,
    )
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print(report.table())
        runs = sum(sum(c.values()) for c in report.per_command.values())
        print(
            f"{report.cases} cases ({sum(report.commands.values())} through every command: {runs} command runs) "
            f"in {report.seconds:.0f} s; peak RSS {report.peak_rss_mb:.0f} MB; bugs: {report.n_bugs}"
        )
        for b in report.bugs[:20]:
            print(f"  [{b.result}] {b.operator} ({b.source}) at {b.stage}: {b.detail}")
    return 1 if report.n_bugs else 0


if __name__ == "__main__":
    sys.exit(main())
