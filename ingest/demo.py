"""The fixed demo landing: 4 departments × 2020–2022, no random layout variation.

    python -m ingest.demo OUT_DIR [--manifest PATH]

* 岳阳市大数据中心 (元): 部门决算, T1, T2 each year; T5 in every year.
* 绵阳市政务服务和数据管理局 (万元 throughout): 2021 carries a rounding case that must pass (R03 / R08: 基本支出 +
  项目支出 exceeds 本年支出合计 by 0.01 万元 = 100 元, like 益阳 2020 186.29 + 2510.63 = 2696.92 vs 2696.91); T5 each year.
* 曲靖市智慧城市和大数据中心 (元): 2020 决算 is the legacy .xls layout (常德 2016 收支情况表) whose economic breakdown
  of 项目支出 does not add up (R10, error); 2022 T1 has a satisfaction indicator 86.95% against ≥90% scored full
  marks (R15, warn).
* 赣州市行政审批服务局 (元): 2022 专项资金 workbook (智慧赣州建设资金: 收支汇总表, 项目实施情况表, 绩效目标完成情况表,
  绩效评价评分表 with 评价等级); 2021 one small project has no T1 sheet (R12, warn).
"""
from __future__ import annotations

import argparse
import json
import sys

from .generate import DEMO_DEPARTMENTS, UNIT_TYPES, _generate, write_manifest

DEMO_SEED = 20201231
DEMO_YEARS = (2020, 2021, 2022)


def demo_config() -> list[dict]:
    depts = []
    for city, ti in DEMO_DEPARTMENTS:
        ut, kind = UNIT_TYPES[ti]
        depts.append(dict(name=f"{city}市{ut}", city=city, kind=kind, unit="元", t5=False, special_years=(),
                          plants=[], scale=1.0))
    depts[0]["t5"] = True
    depts[1].update(unit="万元", t5=True, plants=[(2021, "ROUNDING", 0)], scale=2.5)
    depts[2]["plants"] = [(2020, "R10", 1_026_112_065), (2022, "R15", 0)]
    depts[3].update(special_years=(2022,), plants=[(2021, "R12", 0)], scale=1.5)
    return depts


def build_demo_landing(out_dir, manifest_path=None) -> dict:
    """Write the demo landing under ``out_dir`` (workbooks only) and return its manifest."""
    manifest = _generate(out_dir, DEMO_SEED, DEMO_YEARS, demo_config(), variation=False, xls_share=0.0, bad_files=0,
                         options={"demo": True})
    if manifest_path:
        write_manifest(manifest, manifest_path, out_dir)
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ingest.demo", description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--manifest", help="write the manifest JSON here (outside the landing)")
    a = ap.parse_args(argv)
    m = build_demo_landing(a.out_dir, a.manifest)
    print(f"wrote {len(m['files'])} workbooks for {len(m['departments'])} departments × {len(m['years'])} years "
          f"to {a.out_dir}; planted {len(m['planted'])}, tolerated {len(m['tolerated'])}")
    if not a.manifest:
        json.dump({"planted": m["planted"], "tolerated": m["tolerated"]}, sys.stdout, ensure_ascii=False, indent=1)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
