"""Strict mode fails the reconcile task on error findings (off by default); alerts go to a webhook when one is set."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ingest import airflow_support, alerts


def _paths(job):
    p = job.paths
    return {"landing": str(p.landing), "warehouse": str(p.warehouse), "reports": str(p.reports)}


def test_reconcile_task_passes_by_default_and_fails_in_strict_mode(samples_job, monkeypatch):
    monkeypatch.delenv("JIXIAO_STRICT", raising=False)
    monkeypatch.delenv("JIXIAO_ALERT_WEBHOOK", raising=False)
    rules = airflow_support.run_reconcile(_paths(samples_job), "strict-off")
    assert rules["failed_error"] == 1  # 常德 2016 R10
    assert "failed_rows" not in rules  # XCom carries counts, not rows
    monkeypatch.setenv("JIXIAO_STRICT", "true")
    with pytest.raises(airflow_support.StrictModeFailure, match="1 reconciliation error"):
        airflow_support.run_reconcile(_paths(samples_job), "strict-on")


def test_alert_is_posted_to_the_configured_webhook(monkeypatch):
    got: list[dict] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.handle_request, daemon=True)
    t.start()
    monkeypatch.setenv("JIXIAO_ALERT_WEBHOOK", f"http://127.0.0.1:{srv.server_port}/hook")
    msg = alerts.findings_message({"run_id": "r1", "failed_error": 2, "failed_warn": 1, "checked": 10})
    assert alerts.send(msg) is True
    t.join(5)
    srv.server_close()
    assert got and "2 error and 1 warn" in got[0]["text"]
    assert alerts.findings_message({"failed_error": 0, "failed_warn": 0}) is None
    monkeypatch.delenv("JIXIAO_ALERT_WEBHOOK")
    assert alerts.send("nothing configured") is False
