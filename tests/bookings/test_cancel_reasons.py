"""The reasons staff choose when cancelling or declining: the client reads our words for them,
which name no health matter, and nothing else."""

import pytest

from bookings import cancel_reasons
from bookings.cancel_reasons import REASONS, ReasonRefused, reason_for_client

from ..email_words import health_words_in

pytestmark = pytest.mark.django_db  # the health words include the problems' labels


@pytest.mark.parametrize("code", REASONS)
def test_each_reason_reads_to_the_client_in_our_words_with_no_health_word(code):
    words = reason_for_client(code)

    assert words == REASONS[code].for_client and words.endswith(".")
    assert health_words_in(words) == []


@pytest.mark.parametrize("choice", ["", "other ", "Therapist unwell", "She is pregnant"])
def test_anything_but_a_reason_from_the_list_is_refused(choice):
    with pytest.raises(ReasonRefused, match="Choose the reason the client will read."):
        reason_for_client(choice)


def test_the_list_fits_a_phones_select():
    assert [code for code, _ in cancel_reasons.CHOICES] == list(REASONS)
    assert all(len(reason.for_staff) <= 30 for reason in REASONS.values())
