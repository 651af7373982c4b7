"""The Django admin cannot save hours or time off past the diary's checks."""

import pytest

from therapists.models import TimeOff

from ..clock import TOMORROW, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def hours_and_time_off(asha):
    return (
        asha.working_hours.get(weekday=0),
        TimeOff.objects.create(therapist=asha, start=at(TOMORROW, "09:00"), end=at(TOMORROW, "11:00")),
    )


@pytest.mark.parametrize("model", ["workinghours", "timeoff"])
def test_admins_read_but_cannot_add_or_change_diary_entries(admin_client, hours_and_time_off, model):
    entry = next(item for item in hours_and_time_off if item._meta.model_name == model)

    assert admin_client.get(f"/admin/therapists/{model}/").status_code == 200
    assert admin_client.get(f"/admin/therapists/{model}/add/").status_code == 403
    page = admin_client.get(f"/admin/therapists/{model}/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(f"/admin/therapists/{model}/{entry.pk}/change/", {}).status_code == 403


def test_admins_can_delete_time_off(admin_client, hours_and_time_off):
    _, time_off = hours_and_time_off

    admin_client.post(f"/admin/therapists/timeoff/{time_off.pk}/delete/", {"post": "yes"})

    assert not TimeOff.objects.filter(pk=time_off.pk).exists()
