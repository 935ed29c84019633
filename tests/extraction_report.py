"""Print, per sample workbook, the manifest facts the extractor misses (python -m tests.extraction_report [-v])."""
from __future__ import annotations

import hashlib
import sys

from ingest.extract import extract_workbook
from ingest.readers import read_workbook
from tests.manifest_facts import MANIFEST, SAMPLES, compare


def extract_sample(wb_entry: dict):
    path = SAMPLES / wb_entry["path"]
    rel = wb_entry["path"].split("submissions/", 1)[1]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return extract_workbook(read_workbook(path, rel), rel, sha)


def main() -> int:
    verbose = "-v" in sys.argv
    filt = [a for a in sys.argv[1:] if not a.startswith("-")]
    total_missing = total = 0
    for wb in MANIFEST["workbooks"]:
        if filt and not any(f in wb["path"] for f in filt):
            continue
        try:
            ex = extract_sample(wb)
        except Exception as exc:
            print(f"!! {wb['path']}: {exc}")
            continue
        missing, counts = compare(ex.rows, wb)
        n_miss = sum(len(v) for v in missing.values())
        n = sum(counts.values())
        total_missing += n_miss
        total += n
        print(f"{n - n_miss:4d}/{n:4d}  {wb['path']}  kinds={sorted(ex.template_kinds)}")
        for k, v in missing.items():
            if v:
                print(f"      missing {k}: {len(v)}/{counts[k]}")
                if verbose:
                    for t in sorted(v, key=str)[:15]:
                        print("         ", t)
    print(f"TOTAL {total - total_missing}/{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
