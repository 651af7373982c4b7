"""The check-in page tells a client who has more to say to "reply to the email": the reply must
reach the clinic's own inbox (its address in the clinic's details), not the address the
bookings are sent from, which may be one nobody reads."""

import pytest
from django.conf import settings
from django.core import mail

from bookings.models import OutboundEmail
from clinic.models import Clinic
from clinic.selectors import clinic_forget

from ..factories import check_in_path
from ..outbox import outbound_email_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def clinic_inbox():
    Clinic.objects.filter(pk=Clinic.SINGLETON_PK).update(email="hello@kates.example")
    clinic_forget()
    return "hello@kates.example"


def test_a_reply_to_the_check_in_email_reaches_the_clinics_inbox(attended, client, clinic_inbox):
    booking = attended()
    check_in = booking.emails.get(kind=OutboundEmail.Kind.AFTERCARE_CHECK_IN)

    outbound_email_send(email_id=check_in.pk, now=check_in.due_at)

    [message] = mail.outbox
    assert message.reply_to == [clinic_inbox]
    assert message.message()["Reply-To"] == clinic_inbox
    assert message.from_email == settings.DEFAULT_FROM_EMAIL and clinic_inbox not in message.from_email
    # What the page promises a client who answers again.
    url = check_in_path(booking)
    client.post(url, {"answer": "better"})
    page = client.post(url, {"answer": "flared"}).content.decode()
    assert "We already have your answer" in page
    assert "If something has changed, reply to the email or call us on" in page


def test_every_email_the_page_could_mean_has_the_same_reply_to(attended, clinic_inbox):
    """The client may reply to any aftercare email, not only the check-in."""
    booking = attended()

    for email in booking.emails.order_by("due_at"):
        outbound_email_send(email_id=email.pk, now=email.due_at)

    assert len(mail.outbox) == 3
    assert {tuple(message.reply_to) for message in mail.outbox} == {(clinic_inbox,)}
