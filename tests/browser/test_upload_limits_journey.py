"""A therapist on a phone picks a photo that is too big: the page says so, nothing is saved."""

import pytest
from playwright.sync_api import expect

from therapists.models import Therapist

from ..factories import make_therapist
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Handing 8 MB to the browser and sending it to the server takes seconds on a busy machine,
# past the rig's 10 s for a click: these steps wait for the file to be taken and for the
# server's answer, for as long as a slow machine needs; a server that never answers still
# fails the test.
UPLOAD_MS = 60_000


def test_a_photo_over_the_limit_is_refused_with_a_clear_page(page, media_root):
    make_therapist("tara", display_name="Tara Jones")
    log_in(page, "tara")

    page.goto("/therapists/me/profile/")
    page.get_by_label("Photo").set_input_files(
        {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"\0" * (8 * 1024 * 1024)},
        timeout=UPLOAD_MS,
    )
    with page.expect_response(lambda response: response.request.method == "POST", timeout=UPLOAD_MS) as answer:
        page.get_by_role("button", name="Save and continue").click(timeout=UPLOAD_MS)

    assert answer.value.status == 413
    expect(page.get_by_role("heading", level=1)).to_have_text("That file is too big")
    expect(page.get_by_text("The file is too big: the limit is 5 MB. Nothing was saved.")).to_be_visible()
    screenshot(page, f"upload-too-big-{page.viewport_name}")
    assert_accessible(page)
    assert not Therapist.objects.get().photo
