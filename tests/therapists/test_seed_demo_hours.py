import pytest
from django.core.management import call_command

from therapists.models import Therapist

pytestmark = pytest.mark.django_db


def test_demo_therapists_get_weekday_hours_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    for therapist in Therapist.objects.all():
        assert therapist.working_hours.count() == 10  # two stretches on each weekday
