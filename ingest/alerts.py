"""Alert hook points for the Airflow DAGs: task failures and reconciliation findings.

Always logged. When the Airflow Variable ``jixiao_alert_webhook`` (or env ``JIXIAO_ALERT_WEBHOOK``) is set, a JSON
message is POSTed to it (a Slack/WeCom/DingTalk-style incoming webhook); nothing is sent otherwise. Email can be
wired the usual Airflow way (``email`` + ``email_on_failure`` in default_args) — not required here.
"""
from __future__ import annotations

import json
import logging
import os
import urllib.request

log = logging.getLogger("jixiao.alerts")


def _webhook() -> str | None:
    try:
        from airflow.sdk import Variable
        v = Variable.get("jixiao_alert_webhook", default=None)
    except Exception:
        v = None
    return v or os.environ.get("JIXIAO_ALERT_WEBHOOK") or None


def send(text: str, payload: dict | None = None) -> bool:
    """Log ``text``; POST it to the configured webhook if there is one. Returns whether it was sent."""
    log.warning("jixiao alert: %s", text)
    url = _webhook()
    if not url:
        return False
    body = json.dumps({"text": text, **(payload or {})}, ensure_ascii=False, default=str).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10):
            return True
    except Exception as exc:  # an alert must never fail the task it reports on
        log.error("alert webhook failed: %s", exc)
        return False


def on_task_failure(context: dict) -> None:
    """``on_failure_callback`` for every jixiao task."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    send(f"jixiao: task {dag_id}.{task_id} failed (run {context.get('run_id')}): {context.get('exception')}",
         {"dag_id": dag_id, "task_id": task_id, "run_id": context.get("run_id")})


def findings_message(rules: dict) -> str | None:
    """A one-line summary when reconciliation found failures, else None."""
    err, warn = int(rules.get("failed_error", 0)), int(rules.get("failed_warn", 0))
    if not err and not warn:
        return None
    return (f"jixiao reconciliation {rules.get('run_id', '')}: {err} error and {warn} warn findings "
            f"({rules.get('checked', 0)} checks)")
