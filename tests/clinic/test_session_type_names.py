"""A session type's name goes into emails, so it may not name a health matter."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinic.models import SessionType, health_words_in

pytestmark = pytest.mark.django_db


def session(name: str) -> SessionType:
    return SessionType(name=name, kind="relaxation", description="About it.", duration_minutes=60, price=Decimal(50))


@pytest.mark.parametrize("name", ["Pregnancy massage", "Post-op recovery", "Cancer care massage", "Back pain clinic"])
def test_a_name_that_names_a_health_matter_is_refused_with_what_to_do(name):
    with pytest.raises(ValidationError) as refused:
        session(name).full_clean()
    assert "Emails carry this name, so it cannot name a health matter" in refused.value.message_dict["name"][0]


@pytest.mark.parametrize("name", ["Sports massage", "Deep tissue 90", "Marathon recovery", "Spain-trip special"])
def test_an_ordinary_name_is_kept(name):
    session(name).full_clean()
    assert health_words_in(name) == []


def test_the_admin_form_says_so_on_the_page(admin_client):
    response = admin_client.post(
        "/admin/clinic/sessiontype/add/",
        {
            "name": "Pregnancy massage",
            "kind": "relaxation",
            "description": "x",
            "duration_minutes": 60,
            "price": "50.00",
            "display_order": 0,
            "active": "on",
            "needs_room": "on",
        },
    )
    assert response.status_code == 200
    assert "cannot name a health matter (Pregnancy)" in response.content.decode()
    assert not SessionType.objects.filter(name="Pregnancy massage").exists()
