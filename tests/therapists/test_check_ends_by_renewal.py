"""A CNHC check never holds past the therapist's own renewal date: they may be off the
register the day after it, whoever approved what."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from therapists.models import RegistrationEvent, Therapist
from therapists.services import registration

from ..clock import TODAY
from ..factories import submitted_therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def rena(db):
    """Awaiting a check; renews with CNHC in about three months (the issue's 22 Feb 2027 case)."""
    return submitted_therapist("rena", renews_in_days=98)


def test_an_approval_past_the_renewal_date_is_refused_and_changes_nothing(victor, rena):
    renews_on = rena.cnhc_renews_on

    with pytest.raises(ValidationError) as refused:
        registration.registration_approve(
            therapist_id=rena.pk,
            decided_by=victor,
            seen_on_register="Listed, Sports Massage.",
            expires_on=renews_on + datetime.timedelta(days=275),
        )

    assert refused.value.message_dict == {
        "expires_on": [
            f"A check cannot hold past the therapist's CNHC renewal date, {renews_on.day} {renews_on:%B %Y}. "
            "Choose that date or an earlier one."
        ]
    }
    rena.refresh_from_db()
    assert (rena.registration_status, rena.registration_expires_on) == (
        Therapist.RegistrationStatus.AWAITING_CHECK,
        None,
    )
    assert not rena.registration_events.filter(kind=RegistrationEvent.Kind.APPROVED).exists()


def test_an_approval_until_the_renewal_date_itself_holds(victor, rena):
    registration.registration_approve(
        therapist_id=rena.pk, decided_by=victor, seen_on_register="Listed.", expires_on=rena.cnhc_renews_on
    )

    rena.refresh_from_db()
    assert rena.registration_expires_on == rena.cnhc_renews_on
    assert rena in Therapist.objects.bookable(on=rena.cnhc_renews_on)
    assert rena not in Therapist.objects.bookable(on=rena.cnhc_renews_on + datetime.timedelta(days=1))


def test_the_check_page_defaults_to_the_renewal_date_and_refuses_a_later_one(client, victor, rena):
    client.force_login(victor)
    url = f"/therapists/checks/{rena.pk}/"

    default = client.get(url).context["forms"]["approve"].initial["expires_on"]
    response = client.post(
        url,
        {
            "action": "approve",
            "approve-seen_on_register": "Listed.",
            "approve-expires_on": (rena.cnhc_renews_on + datetime.timedelta(days=1)).isoformat(),
            "approve-cnhc_number_checked": rena.cnhc_number,
        },
    )

    assert default == rena.cnhc_renews_on  # not a year from today
    assert response.status_code == 200
    assert "cannot hold past the therapist&#x27;s CNHC renewal date" in response.content.decode()
    rena.refresh_from_db()
    assert rena.registration_status == Therapist.RegistrationStatus.AWAITING_CHECK


def test_the_database_refuses_a_check_past_the_renewal_date_whatever_writes_it(rena):
    with pytest.raises(IntegrityError), transaction.atomic():
        Therapist.objects.filter(pk=rena.pk).update(
            registration_status=Therapist.RegistrationStatus.VERIFIED,
            registration_expires_on=rena.cnhc_renews_on + datetime.timedelta(days=1),
        )


def test_moving_the_renewal_date_before_the_check_gets_a_message_on_the_form(victor, rena):
    registration.registration_approve(
        therapist_id=rena.pk, decided_by=victor, seen_on_register="Listed.", expires_on=rena.cnhc_renews_on
    )
    rena.refresh_from_db()
    rena.cnhc_renews_on = TODAY + datetime.timedelta(days=10)

    # The admin's form leaves the read-only check date out of its constraint checks; the
    # model's own clean() still catches it, next to the renewal date.
    with pytest.raises(ValidationError) as refused:
        rena.full_clean(exclude=["registration_expires_on", "user"])

    assert "after this date" in refused.value.message_dict["cnhc_renews_on"][0]


def test_the_admin_refuses_a_renewal_date_before_the_check_with_a_message(victor, rena, admin_client):
    registration.registration_approve(
        therapist_id=rena.pk, decided_by=victor, seen_on_register="Listed.", expires_on=rena.cnhc_renews_on
    )
    url = f"/admin/therapists/therapist/{rena.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if name not in ("photo", "certificate") and form[name].value() is not None
    }
    data["session_types"] = [session_type.pk for session_type in rena.session_types.all()]
    data["cnhc_renews_on"] = (TODAY + datetime.timedelta(days=10)).isoformat()
    events = rena.registration_events.count()
    data.update(
        {
            "registration_events-TOTAL_FORMS": str(events),
            "registration_events-INITIAL_FORMS": str(events),
            "registration_events-MIN_NUM_FORMS": "0",
            "registration_events-MAX_NUM_FORMS": "1000",
        }
    )
    data.update(
        {
            f"registration_events-{n}-id": str(pk)
            for n, pk in enumerate(rena.registration_events.order_by("-at").values_list("pk", flat=True))
        }
    )
    data.update({f"registration_events-{n}-therapist": str(rena.pk) for n in range(events)})

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "after this date" in response.content.decode()
    rena.refresh_from_db()
    assert rena.registration_expires_on <= rena.cnhc_renews_on
