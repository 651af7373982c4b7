"""Payments' fixtures (the local Stripe server, ``local_stripe``, is in tests/conftest.py): an
in-process fake of the gateway (``fake_stripe``, the unit tests), and the sports session with
a 20% deposit and fees (``deposit_policy``)."""

import pytest

from bookings.models import PaymentPolicy, Take

from ...stripe_local import WEBHOOK_SECRET
from .fake_stripe import FakeStripe


@pytest.fixture
def fake_stripe(monkeypatch, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake = FakeStripe()
    fake.install(monkeypatch)
    return fake


@pytest.fixture
def deposit_policy(sports):
    """Sports massage (£55): a 20% deposit (£11) at booking, £27.50 for cancelling late, £55
    for not coming."""
    return PaymentPolicy.objects.create(
        session_type=sports,
        take=Take.DEPOSIT,
        deposit_percent=20,
        late_cancel_fee_percent=50,
        no_show_fee_percent=100,
    )
