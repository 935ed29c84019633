"""A job-level lock beside the warehouse file, so two whole runs (CLI and DAG, or two CLIs) never interleave their
ingest, dbt and reconcile steps. DuckDB's own lock protects each connection; this one protects the sequence."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class JobLocked(RuntimeError):
    pass


@contextmanager
def job_lock(warehouse: Path, wait_seconds: float = 60.0, owner: str = "jixiao run"):
    lock_path = Path(str(warehouse) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    announced = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another run"
                    raise JobLocked(f"the warehouse {warehouse} is being updated by {holder}; waited "
                                    f"{wait_seconds:.0f} s — run again when it has finished")
                if not announced:
                    print(f"another jixiao run holds {lock_path}; waiting up to {wait_seconds:.0f} s …", flush=True)
                    announced = True
                time.sleep(0.25)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{owner} (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
