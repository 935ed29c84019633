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
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable


def _child(code: str, *args: str, env: dict | None = None, argv: list[str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (or ``argv``); its last stdout line is JSON. Adds the wall time and the
    peak RSS of that step: os.wait4's ru_maxrss is the largest resident set of the child and of every process it
    waited for (its ingest workers), so each step's figure is its own."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), AIRFLOW__COSMOS__ENABLE_TELEMETRY="False")
    e.update(env or {})
    cmd = argv if argv is not None else [PY, "-c", code, *args]
    import tempfile
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=e, stdout=out_f, stderr=err_f, text=True, cwd=str(ROOT))
        _, status, ru = os.wait4(proc.pid, 0)   # reap it ourselves: wait4 returns its resource usage
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0), err_f.seek(0)
        out_text, err_text = out_f.read(), err_f.read()
    rc = proc.returncode
    if rc != 0:
        raise RuntimeError(f"{cmd[:4]} exited {rc}: {err_text[-4000:]}")
    lines = [ln for ln in out_text.strip().splitlines() if ln.startswith("{")]
    res = json.loads(lines[-1]) if lines else {}
    res["wall_s"] = round(wall, 3)
    res["peak_rss_mib"] = round(ru.ru_maxrss / 1024, 1)
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

INGEST = r"""
import json, sys, time
from ingest.ingestion import ingest_landing
from ingest.warehouse import connect
con = connect(sys.argv[2])
t0 = time.perf_counter()
s = ingest_landing(con, sys.argv[1], run_id="bench", workers=int(sys.argv[3]))
secs = time.perf_counter() - t0
con.close()
print(json.dumps(s.as_dict() | {"seconds": secs}))
"""

# `jixiao run` itself (ingest.cli.main), its pipeline steps timed by wrapping them
RUN = r"""
import json, sys, time
from ingest import pipeline
from ingest.cli import main
stages = {}
def timed(name):
    f = getattr(pipeline, name)
    def w(*a, **k):
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            stages[name] = round(stages.get(name, 0) + time.perf_counter() - t, 3)
    setattr(pipeline, name, w)
for n in ("step_ingest", "step_dbt", "step_reconcile", "step_dq_refresh", "step_report", "state_fingerprint",
          "last_finished", "mart_counts"):
    timed(n)
t0 = time.perf_counter()
rc = main(["run", "--landing", sys.argv[1], "--warehouse", sys.argv[2], "--reports", sys.argv[3], "--no-progress"])
secs = time.perf_counter() - t0
print(json.dumps({"rc": rc, "seconds": secs, "stages": stages}))
sys.exit(rc)
"""

PROFILE = r"""
import cProfile, pstats, io, sys
from ingest.ingestion import _pack_chunk, process_file
from ingest.landing import discover
files = discover(sys.argv[1])[: int(sys.argv[2])]
for f in files[:10]:
    process_file(f)          # imports and label tables warm
pr = cProfile.Profile(); pr.enable()
for i in range(0, len(files), 64):
    _pack_chunk(files[i:i + 64])
pr.disable()
out = {}
for key in ("tottime", "cumulative"):
    s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats(key).print_stats(30)
    out[key] = s.getvalue()
import json; print(json.dumps({"profile": out}))
"""


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


def _warm(landing: Path) -> float:
    """Read every landed file's bytes once (into the page cache); returns the seconds it took."""
    t = time.perf_counter()
    for p in landing.rglob("*"):
        if p.is_file():
            p.read_bytes()
    return round(time.perf_counter() - t, 3)


def _fps(r: dict) -> float:
    return (r.get("loaded", 0) + r.get("rejected", 0) + r.get("unchanged", 0)) / r["seconds"]


PLANTED_RATE = 0.02   # per department-year: one planted discrepancy in ≈ 2 % of them


def manifest_for(landing: Path) -> Path:
    """Where the generator's manifest of a generated landing is kept (beside it, never inside)."""
    return landing.parent / f"manifest_{landing.name}.json"


def planted_found(wh: Path, manifest: Path) -> dict:
    """How many of the manifest's planted discrepancies the last run's reconciliation reports as failed (same
    rule, department and year)."""
    import duckdb
    planted = json.loads(manifest.read_text(encoding="utf-8")).get("planted", [])
    con = duckdb.connect(str(wh), read_only=True)
    try:
        run = con.execute("SELECT results_run_id FROM audit.runs WHERE status = 'finished' "
                          "ORDER BY finished_at DESC LIMIT 1").fetchone()[0]
        failed = set(con.execute("SELECT regexp_extract(rule_id, '^R[0-9]+'), department_name, fiscal_year "
                                 "FROM audit.reconciliation_results WHERE run_id = ? AND status = 'failed'",
                                 [run]).fetchall())
    finally:
        con.close()
    missing = [p["id"] for p in planted if (p["rule"], p["department"], int(p["fiscal_year"])) not in failed]
    return {"listed": len(planted), "found": len(planted) - len(missing), "missing": missing[:20]}


def bench(landing: Path, label: str, baseline_files: int = 200, workers: int = 2, profile: bool = True,
          one_worker: bool = True, steps: set[str] | None = None) -> dict:
    work = OUT / f"work_{label}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    n_files = sum(1 for p in landing.rglob("*") if p.is_file())
    res: dict = {"label": label, "landing": str(landing), "files_landed": n_files, "workers": workers,
                 "cpu_count": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                 "load_avg_before": os.getloadavg()}
    say = lambda m: print(f"[{label}] {m}", flush=True)  # noqa: E731
    # every measurement on a warm page cache: the first reader of a cold landing pays the disk (the floor,
    # measured first, read ≈ 2 × slower cold than warm on this VM)
    res["warm_cache_s"] = _warm(landing)
    say("floor (bare python-calamine, every cell of every sheet, 1 core)")
    res["floor"] = _child(FLOOR, str(landing))
    say("baseline (pandas.read_excel sheet_name=None, openpyxl)")
    res["baseline_pandas_openpyxl"] = _child(BASELINE, str(landing), str(baseline_files))
    say(f"ingest, {workers} workers")
    res["ingest"] = _child(INGEST, str(landing), str(work / "ingest.duckdb"), str(workers))
    if one_worker:
        say("ingest, 1 worker")
        res["ingest_1_worker"] = _child(INGEST, str(landing), str(work / "ingest1.duckdb"), "1")
    shutil.rmtree(work / "ingest.duckdb", ignore_errors=True)
    for f in work.glob("ingest*.duckdb*"):
        f.unlink()
    wh, rep = str(work / "run.duckdb"), str(work / "reports")
    say("full jixiao run")
    res["full_run"] = _child(RUN, str(landing), wh, rep)
    if manifest_for(landing).exists():
        res["planted"] = planted_found(Path(wh), manifest_for(landing))
        say(f"planted discrepancies found: {res['planted']['found']} of {res['planted']['listed']}")
    say("no-op rerun")
    res["noop_run"] = _child(RUN, str(landing), wh, rep)
    # the same warehouse file, as on a real night (a copy elsewhere changes dbt's profile: a full re-parse);
    # the landing is copied so the generated one stays as it was
    copy = work / "landing_copy"
    shutil.copytree(landing, copy)
    res["changed_file"] = touch_one_file(copy)
    say(f"one-changed-file run ({res['changed_file']})")
    res["one_changed_run"] = _child(RUN, str(copy), wh, rep)
    shutil.rmtree(copy, ignore_errors=True)
    if profile:
        say("profile of extraction (cProfile, 300 files, 1 process)")
        res["profile_extract"] = _child(PROFILE, str(landing), "300")["profile"]
    f = res["floor"]
    fl = f["files"] / f["seconds"]
    b = res["baseline_pandas_openpyxl"]
    bl = b["files"] / b["seconds"] if b["seconds"] else float("nan")
    ing = res["ingest"]
    ing_fps = _fps(ing)
    summ = {
        "files_landed": n_files,
        "floor_files_per_s_1core": round(fl, 1),
        "floor_cells_per_s_1core": round(f["cells"] / f["seconds"]),
        "baseline_files_per_s_1core": round(bl, 1),
        "ingest_files_per_s": round(ing_fps, 1),
        "ingest_cells_per_s": round(f["cells"] / ing["seconds"]),
        "ingest_files_per_s_per_core": round(ing_fps / workers, 1),
        "ratio_ingest_per_core_to_floor": round(ing_fps / workers / fl, 3),
        "ratio_ingest_to_baseline": round(ing_fps / bl, 1),
        "ingest_peak_rss_mib": ing["peak_rss_mib"],
    }
    if one_worker:
        ing1_fps = _fps(res["ingest_1_worker"])
        summ |= {"ingest_1_worker_files_per_s": round(ing1_fps, 1),
                 "ratio_ingest_1_worker_to_floor": round(ing1_fps / fl, 3),
                 "ratio_ingest_1_worker_to_baseline": round(ing1_fps / bl, 1)}
    summ |= {
        "full_run_s": res["full_run"]["wall_s"],
        "full_run_stages_s": res["full_run"].get("stages"),
        "noop_run_s": res["noop_run"]["wall_s"],
        "noop_share_of_full": round(res["noop_run"]["wall_s"] / res["full_run"]["wall_s"], 3),
        "one_changed_run_s": res["one_changed_run"]["wall_s"],
        "one_changed_stages_s": res["one_changed_run"].get("stages"),
        "peak_rss_full_run_mib": res["full_run"]["peak_rss_mib"],
        "peak_rss_noop_run_mib": res["noop_run"]["peak_rss_mib"],
    }
    if "planted" in res:
        summ["planted_found"] = f"{res['planted']['found']} of {res['planted']['listed']}"
    res["summary"] = summ
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"bench_{label}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str))
    return res


def compare(small: Path, large: Path) -> dict:
    """The scale ratios between two bench results (e.g. 1,000 and 10,000 workbooks)."""
    a, b = (json.loads(Path(p).read_text())["summary"] for p in (small, large))
    out = {"small": str(small), "large": str(large), "files": [a["files_landed"], b["files_landed"]],
           "rss_ratio_full_run": round(b["peak_rss_full_run_mib"] / a["peak_rss_full_run_mib"], 3),
           "rss_ratio_ingest": round(b["ingest_peak_rss_mib"] / a["ingest_peak_rss_mib"], 3),
           "full_run_s_ratio": round(b["full_run_s"] / a["full_run_s"], 2),
           "noop_run_s_ratio": round(b["noop_run_s"] / a["noop_run_s"], 2),
           "one_changed_run_s_ratio": round(b["one_changed_run_s"] / a["one_changed_run_s"], 2)}
    (OUT / "bench_compare.json").write_text(json.dumps(out, indent=1))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--departments", type=int, default=100, help="≈ 10 workbooks each (100 → ≈ 1,000)")
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--demo", action="store_true", help="bench the demo landing and a 10x generated landing")
    ap.add_argument("--landing", help="bench an existing landing instead of generating one")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-one-worker", action="store_true", help="skip the 1-worker ingest run")
    ap.add_argument("--compare", nargs=2, metavar=("SMALL_JSON", "LARGE_JSON"),
                    help="only compare two earlier results (RSS and time ratios)")
    a = ap.parse_args(argv)
    if a.compare:
        print(json.dumps(compare(Path(a.compare[0]), Path(a.compare[1])), indent=1))
        return 0
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
        if not big.exists():
            generate_landing(big, departments=40, years=(2020, 2021, 2022), variation=True)
        runs += [(demo, "demo"), (big, "demo_x10")]
    else:
        from ingest.generate import generate_landing
        landing = OUT / f"landing_{a.departments}x{a.years}"
        if not landing.exists():
            t0 = time.perf_counter()
            generate_landing(landing, departments=a.departments, years=tuple(range(2023 - a.years, 2023)),
                             variation=True, bad_files=max(1, a.departments // 50), xls_share=0.05,
                             planted_discrepancy_rate=PLANTED_RATE, manifest_path=manifest_for(landing))
            print(f"generated {landing} in {time.perf_counter() - t0:.1f} s", flush=True)
        runs.append((landing, landing.name))
    for landing, label in runs:
        res = bench(landing, label, workers=a.workers, profile=not a.no_profile, one_worker=not a.no_one_worker)
        print(f"\n== {label}: {res['files_landed']} files")
        for k, v in res["summary"].items():
            print(f"  {k:40s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
