"""Start a real Celery worker process against the test database and broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")


def test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The worker sees the test database and this process's broker; its email goes to
    files under var_dir/outbox."""
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_DATA_FOLDER": str(settings.CELERY_DATA_FOLDER),
        "VAR_DIR": str(var_dir),
        # The test's own sending hours (sending_all_day widens them): a worker must not hold
        # back an email the test process would send, whatever hour the suite runs at.
        "AFTERCARE_SEND_FROM_HOUR": str(settings.AFTERCARE_SEND_FROM_HOUR),
        "AFTERCARE_SEND_UNTIL_HOUR": str(settings.AFTERCARE_SEND_UNTIL_HOUR),
        **extra,
    }


def start_worker(env: dict[str, str], *, queue: str = "celery", concurrency: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "clinic",
            "worker",
            f"--concurrency={concurrency}",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    return output.decode(errors="replace")


def wait_for(condition, *, timeout: float = 60, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
