"""Web soak (issue #17): ``stintlab serve`` in a subprocess on loopback, then all at once 500
requests of mixed pages (demo race and archive races: overview, class, car, story, drivers, 404s,
traversal attempts, HEAD), slow clients (half-sent heads, silent connections, trickled bodies) and
50 uploads (real lap files cut from the corpus, and mutants of them by the fuzz operators);
then a flood of 3,000 connections that never send a byte (normal requests asked meanwhile).

    .venv/bin/python benchmarks/bench_web_soak.py [--requests 500] [--slow 60] [--uploads 50] [--races 3]

Prints figures only (no asserts): statuses per kind, 5xx or unanswered requests, missing security
headers, how long slow clients were kept, the server's RSS (before, peak, after).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--slow", type=int, default=60, help="slow clients held during the soak")
    ap.add_argument("--uploads", type=int, default=50)
    ap.add_argument("--races", type=int, default=3, help="races whose pages are asked (the demo + archive races)")
    ap.add_argument("--header-timeout", type=float, default=10.0)
    ap.add_argument("--body-timeout", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--flood", type=int, default=3000, help="silent connections opened after the soak (0: none)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from stintlab.fuzz import websoak

    corpus = Path(args.corpus)
    uploads = websoak.upload_bodies(corpus, args.uploads, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        options = ["--header-timeout", str(args.header_timeout), "--body-timeout", str(args.body_timeout)]
        if args.races > 1:
            options += ["--archive", str(corpus)]
        with websoak.serve(Path(tmp), *options) as (proc, port):
            report = websoak.soak(
                port, proc.pid, requests=args.requests, slow=args.slow, uploads=uploads, races=args.races
            )
            flood = websoak.flood(port, proc.pid, args.flood) if args.flood else None
            alive = proc.poll() is None
    summary = report.summary() | {"server_alive_after": alive}
    summary["races"] = sorted({a.path.split("/")[2] for a in report.answers if a.path.startswith("/races/")})
    if flood is not None:
        summary["flood"] = flood
    page_s = sorted(a.seconds for a in report.answers if a.kind == "page")
    if page_s:
        summary["page_seconds"] = {
            "median": round(page_s[len(page_s) // 2], 3),
            "p95": round(page_s[int(len(page_s) * 0.95)], 3),
            "max": round(page_s[-1], 3),
        }
    ups = [a for a in report.answers if a.kind == "upload" and a.status >= 400]
    summary["upload_errors"] = sorted({f"{a.status} {a.note}: {json.loads(a.body).get('error', '')[:90]}" for a in ups})
    summary["server_errors"] = [f"{a.status} {a.kind} {a.path} {a.note}" for a in report.server_errors[:20]]
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    for key, value in summary.items():
        if isinstance(value, list) and value and key != "normal_answered_at_s":
            print(f"{key}:")
            for v in value:
                print(f"  {v}")
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
