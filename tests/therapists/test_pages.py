"""The therapist and registration pages: what each person may see and do, and bad input."""

import datetime

import pytest
from django.urls import reverse

from therapists.models import RegistrationEvent, Therapist

from ..clock import TODAY
from ..factories import (
    give_second_factor,
    grant_verify,
    make_therapist,
    make_user,
    submitted_therapist,
    verified_therapist,
)
from ..uploads import PDF, image_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Status = Therapist.RegistrationStatus
NEXT_YEAR = (TODAY + datetime.timedelta(days=365)).isoformat()


def login(client, user):
    client.force_login(user)
    return client


def registration_data(**overrides):
    return {
        "cnhc_number": "CN 12345",
        "disciplines": ["sports_massage"],
        "cnhc_renews_on": NEXT_YEAR,
        "other_registers": "",
        **overrides,
    }


# Onboarding ---------------------------------------------------------------------------------


def test_an_invited_therapist_fills_in_a_profile_then_sends_registration_details(
    client, admin_client, media_root, sports
):
    user = make_user("tara", first_name="Tara", last_name="Jones")
    admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "make_therapists", "_selected_action": [user.pk]}
    )
    give_second_factor(user)  # as staff now, she sets up her authenticator app first
    login(client, user)

    assert "Edit profile" in client.get(reverse("therapists:me")).content.decode()
    response = client.post(
        reverse("therapists:profile"),
        {
            "display_name": "Tara Jones",
            "bio": "Runner.",
            "specialities": ["knee_pain", "achilles"],
            "session_types": [sports.pk],
            "photo": upload("me.jpg", image_bytes("JPEG")),
        },
    )
    assert response.url == reverse("therapists:registration")
    therapist = Therapist.objects.get(user=user)
    assert therapist.specialities == ["knee_pain", "achilles"]
    assert list(therapist.session_types.all()) == [sports]
    assert therapist.photo.name.endswith(".jpg")
    assert (media_root / therapist.photo.name).exists()
    assert therapist.registration_submitted_at is None

    response = client.post(reverse("therapists:registration"), registration_data(certificate=upload("cert.pdf", PDF)))
    assert response.url == reverse("therapists:me")
    therapist.refresh_from_db()
    assert therapist.registration_status == Status.AWAITING_CHECK
    assert therapist.certificate.name.endswith(".pdf")

    page = client.get(reverse("therapists:me")).content.decode()
    assert "Awaiting check" in page
    assert "Submitted for a check" in page


def test_an_upload_is_named_by_what_it_is_not_what_it_is_called(client, media_root, tara):
    login(client, tara.user)
    client.post(
        reverse("therapists:registration"),
        registration_data(cnhc_number=tara.cnhc_number, certificate=upload("scan.pdf", image_bytes("PNG"))),
    )
    tara.refresh_from_db()
    assert tara.certificate.name.endswith(".png")


@pytest.mark.parametrize(
    "photo, message",
    [
        (upload("me.png", b"this is not an image"), "must be a JPEG, PNG or WebP image"),
        (upload("me.gif", image_bytes("GIF")), "must be a JPEG, PNG or WebP image"),
        (upload("me.png", image_bytes("PNG")[:40]), "must be a JPEG, PNG or WebP image"),  # truncated
        (upload("big.png", image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)), "too big: the limit is 5 MB"),
    ],
    ids=["text-named-png", "gif", "truncated", "too-big"],
)
def test_a_bad_photo_is_refused_with_a_message_and_nothing_changes(client, media_root, photo, message):
    tara = make_therapist("tara", display_name="Tara Jones")
    login(client, tara.user)

    response = client.post(reverse("therapists:profile"), {"display_name": "Changed", "photo": photo})

    # Too big is refused before the form runs (413); the rest by the form.
    assert response.status_code == (413 if "too big" in message else 200)
    assert message in response.content.decode()
    tara.refresh_from_db()
    assert (tara.display_name, tara.photo.name) == ("Tara Jones", "")
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"cnhc_number": ""}, "This field is required"),
        ({"cnhc_number": "   "}, "This field is required"),
        ({"cnhc_number": "9" * 51}, "at most 50 characters"),
        ({"cnhc_number": "CN-olga"}, "Another therapist already has this CNHC registration number"),
        ({"disciplines": []}, "Choose at least one discipline"),
        ({"cnhc_renews_on": ""}, "next due for renewal"),
        ({"cnhc_renews_on": (TODAY - datetime.timedelta(days=1)).isoformat()}, "The renewal date is in the past"),
        ({"cnhc_renews_on": "31/02/2027"}, "Enter a valid date"),
        ({"other_registers": "x" * 501}, "at most 500 characters"),
        ({"certificate": upload("cert.pdf", b"MZ\x90\x00 not a pdf")}, "must be a PDF or a JPEG, PNG or WebP image"),
        ({"certificate": upload("cert.pdf", PDF + b"\0" * (10 * 1024 * 1024))}, "too big: the limit is 10 MB"),
    ],
)
def test_bad_registration_details_are_refused_with_a_message_and_nothing_changes(
    client, media_root, overrides, message
):
    submitted_therapist("olga", number="CN-olga")
    tara = make_therapist("tara")
    login(client, tara.user)

    response = client.post(reverse("therapists:registration"), registration_data(**overrides))

    assert response.status_code == (413 if "too big" in message else 200)
    assert message in response.content.decode()
    tara.refresh_from_db()
    assert (tara.cnhc_number, tara.registration_submitted_at, tara.certificate.name) == ("", None, "")
    assert not tara.registration_events.exists()


def test_a_rejected_therapist_sees_the_reason(client, victor, tara):
    from therapists.services import registration

    registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="The register shows another town.")
    login(client, tara.user)

    page = client.get(reverse("therapists:me")).content.decode()

    assert "could not verify your registration" in page
    assert "The register shows another town." in page


# The staff queue ----------------------------------------------------------------------------


def test_the_queue_lists_registrations_awaiting_a_check_oldest_first(client, victor):
    first = submitted_therapist("first")
    second = submitted_therapist("second")
    make_therapist("unsent")  # has not sent details: nothing to check yet
    verified_therapist("done", by=victor)
    login(client, victor)

    response = client.get(reverse("therapists:checks"))

    assert [t.pk for t in response.context["queue"]] == [first.pk, second.pk]
    page = response.content.decode()
    assert "https://www.cnhc.org.uk/" in page
    assert page.index("First Therapist") < page.index("Second Therapist")


def test_a_verifier_approves_from_the_check_page_with_a_default_of_one_year(client, victor, tara):
    login(client, victor)
    page = client.get(reverse("therapists:check", args=[tara.pk]))
    default = page.context["forms"]["approve"].initial["expires_on"]
    assert default.year == TODAY.year + 1

    response = client.post(
        reverse("therapists:check", args=[tara.pk]),
        {
            "action": "approve",
            "approve-seen_on_register": "Tara, Sports Massage, Leeds.",
            "approve-expires_on": default.isoformat(),
            "approve-cnhc_number_checked": "CN-tara",
        },
    )

    assert response.url == reverse("therapists:checks")
    tara.refresh_from_db()
    assert (tara.registration_status, tara.registration_expires_on) == (Status.VERIFIED, default)


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"action": "approve", "approve-seen_on_register": "", "approve-expires_on": NEXT_YEAR},
            "Write down what you saw",
        ),
        (
            {
                "action": "approve",
                "approve-seen_on_register": "Seen.",
                "approve-expires_on": TODAY - datetime.timedelta(days=1),
            },
            "The expiry date is in the past",
        ),
        ({"action": "reject", "reject-reason": ""}, "Give a reason"),
        ({"action": "suspend", "suspend-reason": ""}, "Give a reason"),
    ],
)
def test_a_decision_with_missing_details_is_refused_on_the_page(client, victor, tara, data, message):
    login(client, victor)
    response = client.post(reverse("therapists:check", args=[tara.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK
    assert tara.registration_events.count() == 1


def test_an_unknown_action_is_not_found(client, victor, tara):
    login(client, victor)
    assert client.post(reverse("therapists:check", args=[tara.pk]), {"action": "promote"}).status_code == 404


# Who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["therapists:checks", "therapists:check"])
def test_people_without_the_permission_cannot_open_the_queue(client, sam, alice, tara, url_name):
    args = [tara.pk] if url_name == "therapists:check" else []
    url = reverse(url_name, args=args)
    assert client.get(url).status_code == 302  # anonymous: log in first
    for person in (sam, tara.user, alice, grant_verify(make_user("nora", second_factor=True), staff=False)):
        login(client, person)
        assert client.get(url).status_code == 403
        assert (
            client.post(
                url, {"action": "approve", "approve-seen_on_register": "x", "approve-expires_on": NEXT_YEAR}
            ).status_code
            == 403
        )
    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK


def test_a_therapist_who_is_also_a_verifier_cannot_approve_themselves_on_the_page(client, tara):
    login(client, grant_verify(tara.user))
    url = reverse("therapists:check", args=[tara.pk])

    assert "Another admin must decide on it" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "action": "approve",
            "approve-seen_on_register": "Me.",
            "approve-expires_on": NEXT_YEAR,
            "approve-cnhc_number_checked": "CN-tara",
        },
    )

    assert "You cannot decide on your own registration" in response.content.decode()
    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK
    assert not tara.registration_events.filter(kind=RegistrationEvent.Kind.APPROVED).exists()


def test_only_the_therapist_and_verifiers_can_open_a_certificate(client, media_root, victor, sam, alice):
    tara = make_therapist("tara")
    login(client, tara.user)
    client.post(reverse("therapists:registration"), registration_data(certificate=upload("cert.pdf", PDF)))
    url = reverse("therapists:certificate", args=[tara.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"]

    login(client, victor)
    assert client.get(url).status_code == 200

    for outsider in (make_therapist("mallory").user, sam, alice):
        login(client, outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_therapist_cannot_read_another_therapists_registration(client, tara):
    mallory = make_therapist("mallory")
    login(client, mallory.user)
    # Their own pages only ever show their own registration...
    assert "CN-tara" not in client.get(reverse("therapists:me")).content.decode()
    assert "CN-tara" not in client.get(reverse("therapists:registration")).content.decode()
    # ...and another therapist's check page and files are closed to them.
    assert client.get(reverse("therapists:check", args=[tara.pk])).status_code == 403
    assert client.get(reverse("therapists:certificate", args=[tara.pk])).status_code == 404


def test_an_unverified_therapists_photo_is_private_until_they_are_bookable(client, media_root, victor):
    tara = make_therapist("tara")
    login(client, tara.user)
    client.post(
        reverse("therapists:profile"), {"display_name": "Tara", "photo": upload("me.webp", image_bytes("WEBP"))}
    )
    client.post(reverse("therapists:registration"), registration_data())
    url = reverse("therapists:photo", args=[tara.pk])
    assert client.get(url).status_code == 200  # their own
    client.logout()
    assert client.get(url).status_code == 404

    from therapists.services import registration

    registration.registration_approve(
        therapist_id=tara.pk,
        decided_by=victor,
        seen_on_register="Seen.",
        expires_on=TODAY + datetime.timedelta(days=30),
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"


# The public list ----------------------------------------------------------------------------


def test_the_public_list_shows_exactly_the_bookable_therapists(client, victor):
    verified_therapist("vera", by=victor)
    lapsed = verified_therapist("lapsed", by=victor)
    Therapist.objects.filter(pk=lapsed.pk).update(registration_expires_on=TODAY - datetime.timedelta(days=1))
    submitted_therapist("waiting")
    suspended = verified_therapist("suspended", by=victor)
    from therapists.services import registration

    registration.registration_suspend(therapist_id=suspended.pk, decided_by=victor, reason="Sanction.")

    response = client.get(reverse("therapists:list"))

    assert [t.display_name for t in response.context["therapists"]] == ["Vera Therapist"]
    page = response.content.decode()
    for hidden in ("Lapsed", "Waiting", "Suspended"):
        assert f"{hidden} Therapist" not in page


def test_the_public_list_query_count_does_not_grow_with_therapists(client, victor, sports, django_assert_num_queries):
    def add(n):
        for i in range(n):
            therapist = verified_therapist(f"t{Therapist.objects.count()}x{i}", by=victor)
            therapist.session_types.add(sports)

    add(1)
    # The page's therapists, the sessions they offer, and how many there are in all (the pages).
    with django_assert_num_queries(3):
        client.get(reverse("therapists:list"))
    add(15)
    with django_assert_num_queries(3):
        response = client.get(reverse("therapists:list"))
    assert len(response.context["therapists"]) == 16


def test_the_queue_query_count_does_not_grow_with_registrations(client, victor, django_assert_max_num_queries):
    submitted_therapist("first")
    login(client, victor)
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("therapists:checks"))
    for i in range(15):
        submitted_therapist(f"more{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("therapists:checks"))


def test_the_check_page_query_count_does_not_grow_with_history(client, victor, tara, django_assert_max_num_queries):
    from therapists.services import registration

    login(client, victor)
    url = reverse("therapists:check", args=[tara.pk])
    with django_assert_max_num_queries(10) as small:
        client.get(url)
    for attempt in range(5):
        registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="Try again.")
        registration.registration_submit(
            therapist_id=tara.pk,
            submitted_by=tara.user,
            cnhc_number=f"N{attempt}",
            disciplines=["sports_massage"],
            cnhc_renews_on=TODAY + datetime.timedelta(days=9),
            other_registers="",
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_a_replaced_or_removed_photo_is_deleted(client, media_root, django_capture_on_commit_callbacks):
    tara = make_therapist("tara", display_name="Tara Jones")
    login(client, tara.user)

    def save_profile(**data):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("therapists:profile"), {"display_name": "Tara Jones", **data})
        tara.refresh_from_db()
        return tara.photo.name

    first = save_profile(photo=upload("me.jpg", image_bytes("JPEG")))
    second = save_profile(photo=upload("me-now.png", image_bytes("PNG")))
    assert first and second
    assert not (media_root / first).exists()
    assert (media_root / second).exists()

    assert save_profile(remove_photo="on") == ""
    assert not (media_root / second).exists()
