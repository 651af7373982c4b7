"""Uploads that could hurt: a file over its limit is refused before the server reads it in
full; an image with too many pixels (a decompression bomb) is refused from its header;
certificates download as attachments; a replaced certificate is deleted once the change
commits, unless a decision rests on it."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.test.client import encode_multipart
from django.urls import reverse
from PIL import Image

from therapists import views
from therapists.models import Therapist
from therapists.services import registration

from ..factories import grant_verify, make_user
from ..request_bodies import MB, CountingInput
from ..uploads import PDF, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "media_root")]


def streamed_post(user, path: str, data: dict, *, declared_length: int | None = None):
    body = encode_multipart("BoUnDaRy", data)
    stream = CountingInput(body)
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(declared_length if declared_length is not None else len(body)),
    )
    environ["wsgi.input"] = stream
    request = WSGIRequest(environ)
    request.user = user or AnonymousUser()
    request.session = {}
    request._dont_enforce_csrf_checks = True
    return request, stream, len(body)


def bomb_png() -> bytes:
    """144 megapixels in about 17 KB: one-bit pixels, all the same, compress to nearly nothing."""
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def test_a_50_mb_photo_is_refused_without_reading_the_body(tara):
    request, stream, size = streamed_post(
        tara.user, "/therapists/me/profile/", {"display_name": "Tara", "photo": upload("big.jpg", b"\xff" * (50 * MB))}
    )

    response = views.my_profile(request)

    assert response.status_code == 413
    assert "The file is too big: the limit is 5 MB" in response.content.decode()
    assert stream.bytes_read == 0
    assert size > 50 * MB
    tara.refresh_from_db()
    assert not tara.photo


def test_a_certificate_just_over_its_limit_stops_streaming_at_the_limit(tara):
    request, stream, size = streamed_post(
        tara.user,
        "/therapists/me/registration/",
        {"cnhc_number": "CN 1", "certificate": upload("cert.pdf", PDF + b"0" * (10 * MB + 100 * 1024))},
    )

    response = views.my_registration_edit(request)

    assert response.status_code == 413
    assert "the limit is 10 MB" in response.content.decode()
    assert stream.bytes_read < size  # it stopped before the end
    tara.refresh_from_db()
    assert tara.cnhc_number != "CN 1"


def test_a_file_under_the_limit_still_goes_through(client, tara):
    client.force_login(tara.user)

    response = client.post(
        reverse("therapists:registration"),
        {
            "cnhc_number": tara.cnhc_number,
            "disciplines": ["sports_massage"],
            "cnhc_renews_on": tara.cnhc_renews_on.isoformat(),
            "other_registers": "",
            "certificate": upload("cert.pdf", PDF),
        },
    )

    assert response.status_code == 302
    tara.refresh_from_db()
    assert tara.certificate.name.endswith(".pdf")


def test_the_upload_pages_still_refuse_a_post_without_the_csrf_token(tara):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(tara.user)

    response = client.post(reverse("therapists:profile"), {"display_name": "Changed"})

    assert response.status_code == 403
    tara.refresh_from_db()
    assert tara.display_name != "Changed"


@pytest.mark.parametrize(
    "url_name, field", [("therapists:profile", "photo"), ("therapists:registration", "certificate")]
)
def test_a_144_megapixel_png_of_a_few_kilobytes_is_refused(client, tara, url_name, field):
    bomb = bomb_png()
    assert len(bomb) < 64 * 1024
    client.force_login(tara.user)

    response = client.post(
        reverse(url_name),
        {
            "display_name": "Tara",
            "cnhc_number": tara.cnhc_number,
            "disciplines": ["sports_massage"],
            "cnhc_renews_on": tara.cnhc_renews_on.isoformat(),
            field: upload("bomb.png", bomb),
        },
    )

    assert response.status_code == 200
    assert "too many pixels: the limit is 40 megapixels" in response.content.decode()
    tara.refresh_from_db()
    assert not getattr(tara, field)


def test_a_certificate_downloads_as_an_attachment(client, tara):
    registration.registration_submit(
        therapist_id=tara.pk,
        submitted_by=tara.user,
        cnhc_number=tara.cnhc_number,
        disciplines=tara.disciplines,
        cnhc_renews_on=tara.cnhc_renews_on,
        other_registers="",
        certificate=upload("c.pdf", PDF),
    )
    client.force_login(tara.user)

    response = client.get(reverse("therapists:certificate", args=[tara.pk]))

    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="certificate.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def resubmit(therapist, certificate):
    return registration.registration_submit(
        therapist_id=therapist.pk,
        submitted_by=therapist.user,
        cnhc_number=therapist.cnhc_number,
        disciplines=therapist.disciplines,
        cnhc_renews_on=therapist.cnhc_renews_on,
        other_registers="",
        certificate=certificate,
    )


def test_a_replaced_certificate_no_decision_saw_is_deleted_after_the_commit(
    tara, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = resubmit(tara, upload("a.pdf", PDF)).certificate.name
    with django_capture_on_commit_callbacks(execute=True):
        resubmit(Therapist.objects.get(pk=tara.pk), upload("b.pdf", PDF))

    assert not (media_root / first).exists()


def test_a_replaced_certificate_a_decision_rests_on_is_kept(tara, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = resubmit(tara, upload("a.pdf", PDF)).certificate.name
    registration.registration_reject(
        therapist_id=tara.pk, decided_by=grant_verify(make_user("vera")), reason="The register shows another name."
    )
    with django_capture_on_commit_callbacks(execute=True):
        resubmit(Therapist.objects.get(pk=tara.pk), upload("b.pdf", PDF))

    assert (media_root / first).exists()


def test_a_replacement_that_rolls_back_keeps_the_old_certificate(tara, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = resubmit(tara, upload("a.pdf", PDF)).certificate.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the commit never comes
        resubmit(Therapist.objects.get(pk=tara.pk), upload("b.pdf", PDF))

    assert callbacks  # the deletion waits for a commit that never comes
    assert (media_root / first).exists()
