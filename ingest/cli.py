"""`jixiao` command line: `jixiao run` runs the whole nightly job once without a scheduler."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="jixiao", description="jixiao budget-performance warehouse")
    sub = p.add_subparsers(dest="cmd", required=True)

    run = sub.add_parser("run", help="ingest new/changed workbooks, dbt build, reconcile, report")
    run.add_argument("--landing")
    run.add_argument("--warehouse")
    run.add_argument("--reports")
    run.add_argument("--strict", action="store_true", help="exit 3 when a reconciliation error is found")
    run.add_argument("--no-progress", action="store_true")
    run.add_argument("--wait-lock", type=float, default=60.0, help="seconds to wait for another run's lock")

    bf = sub.add_parser("backfill", help="reload one fiscal year and/or department from scratch, then build")
    bf.add_argument("--year", type=int)
    bf.add_argument("--department")
    bf.add_argument("--landing")
    bf.add_argument("--warehouse")
    bf.add_argument("--reports")

    ing = sub.add_parser("ingest", help="only ingest the landing into raw tables")
    ing.add_argument("--landing")
    ing.add_argument("--warehouse")
    ing.add_argument("--no-progress", action="store_true")

    gen = sub.add_parser("generate", help="write a deterministic generated landing")
    gen.add_argument("--departments", type=int, default=4)
    gen.add_argument("--years", type=int, default=3, help="number of fiscal years ending 2022")
    gen.add_argument("--out", required=True)
    gen.add_argument("--seed", type=int, default=20201231)
    gen.add_argument("--variation", action="store_true")
    gen.add_argument("--bad-files", type=int, default=0)
    gen.add_argument("--xls-share", type=float, default=0.0)
    gen.add_argument("--planted-rate", type=float, default=0.0,
                     help="per department-year probability of one planted discrepancy (listed in the manifest)")
    gen.add_argument("--manifest", help="write the manifest (files, planted discrepancies) here, outside --out")

    demo = sub.add_parser("demo-landing", help="write the bundled demo submissions")
    demo.add_argument("--out")

    args = p.parse_args(argv)
    if args.cmd == "run":
        from .pipeline import JobFailed, run_job
        try:
            summary = run_job(args.landing, args.warehouse, args.reports, progress=not args.no_progress,
                              wait_lock=args.wait_lock)
        except JobFailed as exc:
            print(f"jixiao run failed: {exc}", file=sys.stderr)
            return 2
        print(summary.render())
        if args.strict and summary.errors:
            return 3
        return 0
    if args.cmd == "backfill":
        from .pipeline import JobFailed, run_job
        if args.year is None and not args.department:
            p.error("backfill needs --year, --department or both")
        try:
            summary = run_job(args.landing, args.warehouse, args.reports, backfill=(args.year, args.department))
        except JobFailed as exc:
            print(f"jixiao backfill failed: {exc}", file=sys.stderr)
            return 2
        print(summary.render())
        return 0
    if args.cmd == "ingest":
        from .config import resolve
        from .ingestion import ingest_landing
        from .warehouse import connect
        paths = resolve(args.landing, args.warehouse)
        con = connect(paths.warehouse, wait_seconds=60)
        try:
            s = ingest_landing(con, paths.landing, run_id="manual", progress=not args.no_progress)
        finally:
            con.close()
        print(s.as_dict())
        for r in s.rejections:
            print("rejected:", r)
        return 0
    if args.cmd == "generate":
        from .generate import generate_landing
        years = tuple(range(2023 - args.years, 2023))
        m = generate_landing(args.out, departments=args.departments, years=years, seed=args.seed,
                             variation=args.variation, bad_files=args.bad_files, xls_share=args.xls_share,
                             planted_discrepancy_rate=args.planted_rate, manifest_path=args.manifest)
        print(f"wrote {len(m.get('files', []))} files to {args.out}")
        return 0
    if args.cmd == "demo-landing":
        from .config import DEFAULTS
        from .demo import build_demo_landing
        out = args.out or str(DEFAULTS["landing"])
        m = build_demo_landing(out)
        print(f"wrote {len(m.get('files', []))} demo files to {out}")
        return 0
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
