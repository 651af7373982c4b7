"""A task sent to the broker is run by a real worker process and its result comes back."""

import os
import uuid

import pytest
from celery import Celery
from django.conf import settings

from ..workers import start_worker, stop_worker


def round_trip(app: Celery, worker_env: dict[str, str]) -> None:
    # A queue of its own, so no other worker on the same broker can take the task.
    queue = f"test-{uuid.uuid4().hex}"
    worker = start_worker(worker_env, queue=queue)
    try:
        answer = app.send_task("clinic.ping", queue=queue).get(timeout=30)
    except Exception as error:
        answer = error
    output = stop_worker(worker)
    assert answer == "pong", f"no answer from the worker: {answer!r}\n{output}"


def test_a_task_round_trips_on_the_filesystem_broker(tmp_path, monkeypatch):
    # Celery lets CELERY_BROKER_URL in the environment override the broker it is given.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    for folder in ("queue", "control", "results"):
        (tmp_path / folder).mkdir()
    app = Celery(
        "filesystem-test",
        broker="filesystem://",
        backend=f"file://{tmp_path / 'results'}",
        broker_transport_options={
            "data_folder_in": str(tmp_path / "queue"),
            "data_folder_out": str(tmp_path / "queue"),
            "control_folder": str(tmp_path / "control"),
        },
    )
    env = {**os.environ, "CELERY_BROKER_URL": "filesystem://", "CELERY_DATA_FOLDER": str(tmp_path)}
    env.pop("CELERY_RESULT_BACKEND", None)
    round_trip(app, env)


def test_a_task_round_trips_on_redis():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        if os.environ.get("CLINIC_TEST_REQUIRE_SERVICES"):
            pytest.fail("CI must run the suite with CELERY_BROKER_URL=redis://...")
        pytest.skip("CELERY_BROKER_URL is not a Redis URL")
    app = Celery("redis-test", broker=settings.CELERY_BROKER_URL, backend=settings.CELERY_RESULT_BACKEND)
    round_trip(app, dict(os.environ))
