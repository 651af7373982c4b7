"""The Celery app: settings under the CELERY_ namespace, tasks found in every installed app.

Tasks use Celery's DjangoTask, so services call ``task.delay_on_commit(pk)``: a task queued
inside a transaction that rolls back is never sent, and a worker never reads a row that
has not been committed yet.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Rooms of bookings with tasks of their own (autodiscovery looks only at <app>.tasks).
app.autodiscover_tasks(["bookings.waitlist", "bookings.payments"])


@app.task(name="clinic.ping", ignore_result=False)
def ping() -> str:
    """Answers 'pong': lets a health check or a test prove a worker consumes the broker."""
    return "pong"


@app.task(name="clinic.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Deletes expired login sessions, which Django leaves in the table otherwise."""
    from django.core.management import call_command

    call_command("clearsessions")
