import pytest

from ..factories import make_bookable_therapist, make_session_type


@pytest.fixture
def asha(db):
    """A verified therapist who keeps her diary here."""
    return make_bookable_therapist("asha", display_name="Asha Patel")


@pytest.fixture
def bob(db):
    """Another therapist: never allowed into Asha's diary."""
    return make_bookable_therapist("bob", display_name="Bob Okafor")


@pytest.fixture
def sports(db):
    return make_session_type("Sports massage", duration_minutes=60)


@pytest.fixture
def as_asha(client, asha):
    client.force_login(asha.user)
    return client
