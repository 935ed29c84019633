"""Benchmarks (not tests): ingest speed against the calamine floor and the pandas+openpyxl baseline, the full job,
no-op and one-changed-file reruns, peak RSS. Every measured step runs in its own subprocess so RSS is its own.

    .venv/bin/python -m bench.run --departments 120 --years 3        # ≈ 1,000 workbooks
    .venv/bin/python -m bench.run --departments 1200 --years 3       # ≈ 10,000 workbooks
    .venv/bin/python -m bench.run --demo                             # the demo landing and a 10× copy of it

Prints a table and writes bench/out/bench_<label>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable


def _child(code: str, *args: str, env: dict | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line. Adds wall time and the child's peak RSS."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), AIRFLOW__COSMOS__ENABLE_TELEMETRY="False")
    e.update(env or {})
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    out = subprocess.run([PY, "-c", code, *args], env=e, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-4000:])
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall_s"] = round(wall, 3)
    # ru_maxrss of RUSAGE_CHILDREN is the max over all waited-for descendants (workers included), in KiB
    res["peak_rss_mib"] = round(max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024, 1)
    return res


FLOOR = r'''
import json, sys, time
from pathlib import Path
from python_calamine import CalamineWorkbook
files = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix.lower() in (".xlsx", ".xls"))
t0 = time.perf_counter(); cells = 0; n = 0
for p in files:
    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception:
        continue
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            cells += sum(1 for v in row if v != "")
    n += 1
print(json.dumps({"files": n, "cells": cells, "seconds": time.perf_counter() - t0}))
'''

BASELINE = r'''
import json, sys, time, warnings
from pathlib import Path
import pandas as pd
warnings.simplefilter("ignore")
files = sorted(p for p in Path(sys.argv[1]).rglob("*.xlsx"))[: int(sys.argv[2])]
t0 = time.perf_counter(); cells = 0
for p in files:
    try:
        for df in pd.read_excel(p, sheet_name=None, engine="openpyxl", header=None).values():
            cells += int(df.notna().sum().sum())
    except Exception:
        pass
print(json.dumps({"files": len(files), "cells": cells, "seconds": time.perf_counter() - t0}))
'''

INGEST = r'''
import json, sys, time
from ingest.ingestion import ingest_landing
from ingest.warehouse import connect
con = connect(sys.argv[2])
t0 = time.perf_counter()
s = ingest_landing(con, sys.argv[1], run_id="bench", workers=int(sys.argv[3]))
secs = time.perf_counter() - t0
con.close()
print(json.dumps(s.as_dict() | {"seconds": secs}))
'''

RUN = r'''
import json, sys, time
from ingest.pipeline import run_job
t0 = time.perf_counter()
s = run_job(sys.argv[1], sys.argv[2], sys.argv[3])
print(json.dumps({"seconds": time.perf_counter() - t0, "ingest": s.ingest.as_dict(), "reused": s.reused_from,
                  "rules": s.rules, "marts": s.mart_rows}, default=str))
'''

PROFILE = r'''
import cProfile, pstats, io, sys
from pathlib import Path
from ingest.ingestion import pack_file
from ingest.landing import discover
files = [f for f in discover(sys.argv[1])][: int(sys.argv[2])]
pr = cProfile.Profile(); pr.enable()
for f in files:
    pack_file(f)
pr.disable()
s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(25)
import json; print(json.dumps({"profile": s.getvalue()}))
'''


def touch_one_file(landing: Path) -> str:
    """Change one workbook's content (one amount) so the next run has exactly one changed file."""
    import openpyxl
    for p in sorted(landing.rglob("*.xlsx")):
        try:
            wb = openpyxl.load_workbook(p)
        except Exception:
            continue
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.value > 10:
                        c.value = c.value + 1
                        wb.save(p)
                        return p.relative_to(landing).as_posix()
    raise RuntimeError("no numeric cell found")


def bench(landing: Path, label: str, baseline_files: int = 200, workers: int = 2, profile: bool = True) -> dict:
    work = OUT / f"work_{label}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    n_files = sum(1 for p in landing.rglob("*") if p.is_file())
    res: dict = {"label": label, "landing": str(landing), "files_landed": n_files, "workers": workers,
                 "cpu_count": os.cpu_count()}
    res["floor"] = _child(FLOOR, str(landing))
    res["baseline_pandas_openpyxl"] = _child(BASELINE, str(landing), str(baseline_files))
    res["ingest"] = _child(INGEST, str(landing), str(work / "ingest.duckdb"), str(workers))
    res["ingest_1_worker"] = _child(INGEST, str(landing), str(work / "ingest1.duckdb"), "1")
    wh, rep = str(work / "run.duckdb"), str(work / "reports")
    res["full_run"] = _child(RUN, str(landing), wh, rep)
    res["noop_run"] = _child(RUN, str(landing), wh, rep)
    copy = work / "landing_copy"
    shutil.copytree(landing, copy)
    shutil.copy2(wh, work / "run_copy.duckdb")
    res["changed_file"] = touch_one_file(copy)
    res["one_changed_run"] = _child(RUN, str(copy), str(work / "run_copy.duckdb"), rep)
    if profile:
        res["profile_extract"] = _child(PROFILE, str(landing), "300")["profile"]
    f = res["floor"]
    fl = f["files"] / f["seconds"]
    b = res["baseline_pandas_openpyxl"]
    bl = b["files"] / b["seconds"] if b["seconds"] else float("nan")
    ing = res["ingest"]
    ing_fps = (ing["loaded"] + ing["rejected"]) / ing["seconds"]
    ing1 = res["ingest_1_worker"]
    ing1_fps = (ing1["loaded"] + ing1["rejected"]) / ing1["seconds"]
    res["summary"] = {
        "floor_files_per_s_1core": round(fl, 1),
        "floor_cells_per_s_1core": round(f["cells"] / f["seconds"]),
        "baseline_files_per_s_1core": round(bl, 1),
        "ingest_files_per_s": round(ing_fps, 1),
        "ingest_files_per_s_per_core": round(ing_fps / workers, 1),
        "ingest_1_worker_files_per_s": round(ing1_fps, 1),
        "ratio_ingest_per_core_to_floor": round(ing_fps / workers / fl, 3),
        "ratio_ingest_1_worker_to_floor": round(ing1_fps / fl, 3),
        "ratio_ingest_to_baseline": round(ing_fps / bl, 1),
        "full_run_s": res["full_run"]["wall_s"],
        "noop_run_s": res["noop_run"]["wall_s"],
        "noop_share_of_full": round(res["noop_run"]["wall_s"] / res["full_run"]["wall_s"], 3),
        "one_changed_run_s": res["one_changed_run"]["wall_s"],
        "peak_rss_full_run_mib": res["full_run"]["peak_rss_mib"],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"bench_{label}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str))
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--departments", type=int, default=120)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--demo", action="store_true", help="bench the demo landing and a 10x generated landing")
    ap.add_argument("--landing", help="bench an existing landing instead of generating one")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-profile", action="store_true")
    a = ap.parse_args(argv)
    runs = []
    if a.landing:
        runs.append((Path(a.landing), Path(a.landing).name))
    elif a.demo:
        from ingest.demo import build_demo_landing
        from ingest.generate import generate_landing
        demo = OUT / "landing_demo"
        shutil.rmtree(demo, ignore_errors=True)
        build_demo_landing(demo)
        n = sum(1 for p in demo.rglob("*") if p.is_file())
        big = OUT / "landing_demo_x10"
        shutil.rmtree(big, ignore_errors=True)
        generate_landing(big, departments=40, years=(2020, 2021, 2022), variation=True)
        runs += [(demo, f"demo_{n}"), (big, "demo_x10")]
    else:
        from ingest.generate import generate_landing
        landing = OUT / f"landing_{a.departments}x{a.years}"
        if not landing.exists():
            t0 = time.perf_counter()
            generate_landing(landing, departments=a.departments, years=tuple(range(2023 - a.years, 2023)),
                             variation=True, bad_files=max(1, a.departments // 50), xls_share=0.05)
            print(f"generated {landing} in {time.perf_counter() - t0:.1f} s", flush=True)
        runs.append((landing, landing.name))
    for landing, label in runs:
        res = bench(landing, label, workers=a.workers, profile=not a.no_profile)
        print(f"\n== {label}: {res['files_landed']} files")
        for k, v in res["summary"].items():
            print(f"  {k:40s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
