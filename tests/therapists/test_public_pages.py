"""What clients see of a therapist: the list and each therapist's own page, with the clinic's
CNHC check they can verify themselves and a way to book; no page for anyone not bookable."""

import datetime
import re

import pytest
from django.urls import reverse

from therapists.models import Therapist
from therapists.views import THERAPISTS_PER_PAGE

from ..clock import NOW, TODAY
from ..factories import make_bookable_therapist, make_session_type, submitted_therapist, verified_therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def vera(victor, sports):
    """Vera, checked by victor today (valid to 14 January 2031), offering sports massage."""
    vera = verified_therapist("vera", by=victor, expires_on=datetime.date(2031, 1, 14))
    Therapist.objects.filter(pk=vera.pk).update(bio="Runner and physio's friend.\nHamstrings a speciality.")
    vera.session_types.add(sports)
    return vera


def test_a_therapists_page_shows_the_check_with_number_dates_and_where_to_verify_it(client, vera, sports):
    page = client.get(reverse("therapists:detail", args=[vera.pk])).content.decode()

    assert '<h1 class="h2 mb-0">Vera Therapist</h1>' in page
    assert f"Number CN-vera: checked on {NOW:%-d %B %Y}, valid until 14 January 2031." in page
    assert '<a href="https://www.cnhc.org.uk/" rel="noopener">Search the CNHC register for Vera Therapist' in page
    assert "Runner and physio&#x27;s friend.<br>Hamstrings a speciality." in page
    assert "Sports massage" in page and "60 minutes" in page
    assert f'href="/book/{sports.pk}/?therapist={vera.pk}"' in page
    assert (
        f'<a class="btn btn-primary btn-lg w-100" href="/therapists/{vera.pk}/slots/">Book with Vera Therapist</a>'
        in page
    )


def test_the_date_checked_is_the_latest_approval(client, vera, victor):
    from therapists.services import registration

    registration.registration_submit(
        therapist_id=vera.pk,
        submitted_by=vera.user,
        cnhc_number="CN-vera",
        disciplines=[Therapist.Discipline.SPORTS_MASSAGE],
        cnhc_renews_on=TODAY + datetime.timedelta(days=300),
        other_registers="",
    )
    later = NOW + datetime.timedelta(days=40)
    import time_machine

    with time_machine.travel(later, tick=False):
        registration.registration_approve(
            therapist_id=vera.pk,
            decided_by=victor,
            seen_on_register="Listed.",
            expires_on=later.date() + datetime.timedelta(days=200),
        )
        page = client.get(reverse("therapists:detail", args=[vera.pk])).content.decode()

    assert f"checked on {later:%-d %B %Y}" in page


def test_the_list_links_each_therapist_to_their_page_and_their_free_times(client, vera):
    page = client.get(reverse("therapists:list")).content.decode()

    assert f'<a href="/therapists/{vera.pk}/">Vera Therapist</a>' in page
    assert f'<a class="btn btn-primary" href="/therapists/{vera.pk}/slots/">Book with Vera Therapist</a>' in page
    assert f"Number CN-vera: checked on {NOW:%-d %B %Y}, valid until 14 January 2031." in page


@pytest.mark.parametrize("who", ["waiting", "lapsed", "suspended", "nobody"])
def test_no_page_for_a_therapist_clients_may_not_book(client, victor, who):
    from therapists.services import registration

    if who == "waiting":
        therapist_id = submitted_therapist("waiting").pk
    elif who == "lapsed":
        therapist_id = verified_therapist("lapsed", by=victor).pk
        Therapist.objects.filter(pk=therapist_id).update(registration_expires_on=TODAY - datetime.timedelta(days=1))
    elif who == "suspended":
        therapist_id = verified_therapist("suspended", by=victor).pk
        registration.registration_suspend(therapist_id=therapist_id, decided_by=victor, reason="Sanction.")
    else:
        therapist_id = 999_999

    assert client.get(reverse("therapists:detail", args=[therapist_id])).status_code == 404
    assert f"/therapists/{therapist_id}/" not in client.get(reverse("therapists:list")).content.decode()


def test_only_the_sessions_the_clinic_still_sells_are_listed(client, vera):
    retired = make_session_type("Hot stones", active=False)
    vera.session_types.add(retired)

    page = client.get(reverse("therapists:detail", args=[vera.pk])).content.decode()

    assert "Hot stones" not in page


def test_a_therapists_page_costs_two_queries_however_long_their_history(
    client, vera, victor, django_assert_num_queries
):
    from therapists.services import registration

    url = reverse("therapists:detail", args=[vera.pk])
    with django_assert_num_queries(2):
        client.get(url)
    for n in range(5):
        registration.registration_submit(
            therapist_id=vera.pk,
            submitted_by=vera.user,
            cnhc_number="CN-vera",
            disciplines=[Therapist.Discipline.SPORTS_MASSAGE],
            cnhc_renews_on=TODAY + datetime.timedelta(days=300 + n),
            other_registers="",
        )
        registration.registration_approve(
            therapist_id=vera.pk,
            decided_by=victor,
            seen_on_register="Listed.",
            expires_on=TODAY + datetime.timedelta(days=200),
        )
        vera.session_types.add(make_session_type(f"Extra {n}"))
    with django_assert_num_queries(2):
        page = client.get(url).content.decode()
    assert len(re.findall(r'href="/book/\d+/\?therapist=', page)) == 6


def test_the_list_shows_a_page_of_therapists_at_a_time_with_a_flat_cost(client, django_assert_max_num_queries):
    def listed(query=""):
        html = client.get(reverse("therapists:list") + query).content.decode()
        return re.findall(r'<h2 class="h5 card-title mb-0"><a href="/therapists/(\d+)/"', html), html

    make_bookable_therapist("first")
    with django_assert_max_num_queries(20) as few:
        listed()
    for n in range(THERAPISTS_PER_PAGE + 5):
        make_bookable_therapist(f"crowd{n:02d}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        shown, html = listed()
    assert len(shown) == THERAPISTS_PER_PAGE
    assert f"Therapists 1–{THERAPISTS_PER_PAGE} of {THERAPISTS_PER_PAGE + 6}" in html
    rest, html = listed("?page=2")
    assert len(rest) == 6 and not set(rest) & set(shown)
    assert 'href="?page=1"' in html
    # Not a page number, or past the end: a page that exists, never an error.
    assert len(listed("?page=nonsense")[0]) == THERAPISTS_PER_PAGE
    assert listed("?page=99")[0] == rest


CNHC_IN_FULL = "Complementary and Natural Healthcare Council (CNHC)"


def words_of(page: str) -> str:
    """What a reader reads: the body's text, tags gone and spaces collapsed."""
    body = page[page.index("<body") :]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_cnhc_is_spelled_out_where_a_client_first_reads_it(client, vera):
    """A client who has never heard of CNHC learns what it is the first time a page names it:
    the home page and the list in their opening line, a therapist's page beside her check, and
    every public page in its footer."""
    pages = {
        "home": reverse("home"),
        "list": reverse("therapists:list"),
        "detail": reverse("therapists:detail", args=[vera.pk]),
        "privacy": reverse("privacy"),
    }
    for name, url in pages.items():
        words = words_of(client.get(url).content.decode())
        first = words.index("CNHC")
        assert words[: first + len("CNHC)")].endswith(CNHC_IN_FULL), f"{name}: {words[max(0, first - 80) : first + 40]}"
        assert (
            "the register of the Complementary and Natural Healthcare Council (CNHC) before they can be booked" in words
        )

    detail = words_of(client.get(pages["detail"]).content.decode())
    assert f"Registration checked On the register of the {CNHC_IN_FULL}. Number CN-vera:" in detail
    # On the list, the opening line has said it: each card keeps the short badge.
    listing = words_of(client.get(pages["list"]).content.decode())
    assert f"Every therapist here is on the register of the {CNHC_IN_FULL}" in listing
    assert "CNHC registration checked" in listing
