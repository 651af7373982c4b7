"""Two admins deciding on one registration at the same moment: exactly one decision stands."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from therapists.models import RegistrationEvent
from therapists.services import registration

from ..factories import grant_verify, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_approval_and_a_rejection_racing_leave_exactly_one_decision(celery_eager, tara, victor):
    if connection.vendor != "postgresql":
        # SQLite's in-memory test database locks whole tables and fails fast instead of waiting.
        pytest.skip("row locks are exercised on PostgreSQL")
    admins = [victor, grant_verify(make_user("olive", is_staff=True))]
    start = threading.Barrier(2)
    outcomes = []

    def decide(admin, approve: bool):
        try:
            start.wait()
            if approve:
                registration.registration_approve(
                    therapist_id=tara.pk,
                    decided_by=admin,
                    seen_on_register="Listed.",
                    expires_on=timezone.localdate() + datetime.timedelta(days=365),
                )
            else:
                registration.registration_reject(therapist_id=tara.pk, decided_by=admin, reason="Not listed.")
            outcomes.append("decided")
        except registration.RegistrationError:
            outcomes.append("refused")
        except Exception as error:  # reported by the assertion below rather than lost in the thread
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(admin, i == 0)) for i, admin in enumerate(admins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["decided", "refused"]
    decisions = tara.registration_events.filter(
        kind__in=[RegistrationEvent.Kind.APPROVED, RegistrationEvent.Kind.REJECTED]
    )
    assert decisions.count() == 1
    tara.refresh_from_db()
    assert tara.registration_status == decisions.get().status_after
