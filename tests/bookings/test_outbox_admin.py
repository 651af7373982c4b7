"""One admin view for every email the app sends: booking and registration emails side by
side, failed ones sent again, sent ones copied on request."""

import pytest
from django.utils import timezone

from bookings.models import OutboundEmail
from therapists.services import registration

from ..factories import make_booking, submitted_therapist
from ..outbox import send_due_emails

pytestmark = pytest.mark.django_db


def test_registration_emails_are_in_the_same_outbox_as_booking_emails(admin_client, victor, bob, alice):
    make_booking(therapist=bob, client=alice)
    tara = submitted_therapist("tara")
    registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="No entry under that number.")

    [rejection] = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REGISTRATION_DECISION)
    assert (rejection.therapist, rejection.to_email, rejection.status) == (tara, tara.user.email, "queued")
    page = admin_client.get("/admin/bookings/outboundemail/?kind=registration_decision").content.decode()
    assert tara.user.email in page


def test_a_registration_decision_and_its_email_commit_or_vanish_together(victor):
    tara = submitted_therapist("tara")

    with pytest.raises(RuntimeError), registration.transaction.atomic():
        registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="Not listed.")
        raise RuntimeError("the request failed after the decision")

    assert not OutboundEmail.objects.exists()
    tara.refresh_from_db()
    assert tara.registration_status == tara.RegistrationStatus.AWAITING_CHECK


def test_admins_send_a_copy_of_a_sent_email_with_a_new_message_id(admin_client, bob, alice):
    booking = make_booking(therapist=bob, client=alice)
    sent, queued = (
        OutboundEmail.objects.create(
            booking=booking,
            kind=OutboundEmail.Kind.BOOKING_CONFIRMATION,
            to_email=alice.email,
            status=status,
            due_at=timezone.now(),
        )
        for status in (OutboundEmail.Status.SENT, OutboundEmail.Status.QUEUED)
    )

    response = admin_client.post(
        "/admin/bookings/outboundemail/",
        {"action": "send_a_copy", "_selected_action": [sent.pk, queued.pk]},
        follow=True,
    )

    assert "1 copy will be sent within a minute. 1 not sent yet, left alone." in response.content.decode()
    messages = send_due_emails()
    copy = OutboundEmail.objects.exclude(pk__in=[sent.pk, queued.pk]).get()
    assert (copy.kind, copy.to_email, copy.status) == (sent.kind, alice.email, OutboundEmail.Status.SENT)
    assert copy.message_id != sent.message_id
    assert sorted(m.extra_headers["Message-ID"] for m in messages) == sorted([copy.message_id, queued.message_id])
