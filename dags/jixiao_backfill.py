"""jixiao_backfill — reload one fiscal year and/or one department from scratch (manual trigger with params), then
rebuild the marts and reconcile. Other years and departments are left untouched."""
from __future__ import annotations

import os

import pendulum
from airflow.sdk import Param, dag, task

from ingest.airflow_support import DEFAULT_ARGS, MART_ASSETS, run_backfill

os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")


@dag(
    dag_id="jixiao_backfill",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "fiscal_year": Param(None, type=["null", "integer"], description="fiscal year to reload, e.g. 2020"),
        "department": Param(None, type=["null", "string"], description="department name as in the landing path"),
    },
    tags=["jixiao"],
    doc_md=__doc__,
)
def jixiao_backfill():
    @task(outlets=MART_ASSETS)
    def backfill(**context) -> dict:
        params = context["params"]
        return run_backfill(params.get("fiscal_year"), params.get("department"))

    backfill()


jixiao_backfill()
