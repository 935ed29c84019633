"""jixiao_nightly — the nightly load: discover → ingest (mapped over batches of new/changed files) → dbt build
(Cosmos, one task per model) → reconcile → dq_refresh (marts pick up the run's dq_status) → report. All logic lives in ``ingest``; this file only wires it.

Paths: Airflow Variables ``jixiao_landing`` / ``jixiao_warehouse`` / ``jixiao_reports``, else the environment
(JIXIAO_LANDING …), else the demo defaults. DuckDB allows one writer per file: ``max_active_runs=1`` and
``max_active_tasks=1`` serialise every task of the DAG (mapped ingest batches and the Cosmos model tasks alike),
dbt runs with threads 1, and each step also takes the job lock beside the warehouse so a concurrent CLI run waits.
"""
from __future__ import annotations

import os

import pendulum
from airflow.sdk import dag, task
from airflow.timetables.trigger import CronTriggerTimetable

from ingest.airflow_support import (DEFAULT_ARGS, MART_ASSETS, dbt_task_group, discover_batches, resolve_paths,
                                    run_dq_refresh, run_ingest_batch, run_reconcile, run_report)

os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")


@dag(
    dag_id="jixiao_nightly",
    schedule=CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["jixiao"],
    doc_md=__doc__,
)
def jixiao_nightly():
    @task
    def paths() -> dict:
        return resolve_paths()

    @task
    def discover(p: dict) -> list[list[str]]:
        return discover_batches(p)

    @task
    def ingest(batch: list[str], p: dict, **context) -> dict:
        return run_ingest_batch(p, batch, context["run_id"])

    @task(trigger_rule="none_failed")
    def reconcile(p: dict, **context) -> dict:
        return run_reconcile(p, context["run_id"])

    @task
    def dq_refresh(p: dict, rules: dict) -> dict:
        run_dq_refresh(p, rules)
        return rules

    @task(outlets=MART_ASSETS, trigger_rule="none_failed")
    def report(p: dict, rules: dict, **context) -> str:
        return run_report(p, context["run_id"], rules)

    p = paths()
    batches = discover(p)
    loaded = ingest.partial(p=p).expand(batch=batches)
    dbt = dbt_task_group("dbt_build", "{{ ti.xcom_pull(task_ids='paths')['warehouse'] }}")
    rules = reconcile(p)
    loaded >> dbt >> rules
    report(p, dq_refresh(p, rules))


jixiao_nightly()
