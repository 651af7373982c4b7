import re

import pytest
from django.urls import reverse

from ..factories import make_session_type

pytestmark = pytest.mark.django_db


def listed_session_types(response) -> list[str]:
    return re.findall(r'<h3 class="h5 card-title">([^<]+)</h3>', response.content.decode())


def test_it_lists_exactly_the_active_session_types(client):
    make_session_type("Sports massage 60")
    make_session_type("Relaxation massage 45", kind="relaxation", duration_minutes=45)
    make_session_type("Old hot stones", active=False)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert sorted(listed_session_types(response)) == ["Relaxation massage 45", "Sports massage 60"]


def test_it_says_so_when_nothing_can_be_booked(client):
    make_session_type("Retired", active=False)

    response = client.get(reverse("home"))

    assert listed_session_types(response) == []
    assert "No sessions are open for booking" in response.content.decode()


def test_its_query_count_does_not_grow_with_session_types(client, django_assert_num_queries):
    make_session_type("One")
    with django_assert_num_queries(1):
        client.get(reverse("home"))
    for n in range(20):
        make_session_type(f"More {n}")
    with django_assert_num_queries(1):
        response = client.get(reverse("home"))
    assert len(listed_session_types(response)) == 21
