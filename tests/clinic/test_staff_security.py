"""Staff (therapists and admins), and anyone else who can reach clients' records (one rule:
therapists.staff.SENSITIVE_PERMISSIONS, held directly or through a group): a second factor
before any page, the admin's login through the same guarded page, and an end to idle
sessions. Guessing passwords is slowed to a crawl on both login pages."""

import datetime as dt
import re
import time
import uuid
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from therapists.middleware import SECOND_FACTOR_SETUP_URLS
from therapists.selectors import VERIFY_PERMISSION
from therapists.staff import SENSITIVE_PERMISSIONS, staff_standing

from ..clock import NOW
from ..factories import PASSWORD, TOTP_SECRET, give_second_factor, make_booking, make_therapist, make_user

pytestmark = pytest.mark.django_db

TOTP_SETUP = "/accounts/2fa/totp/activate/"


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


# Walking every URL the site has ---------------------------------------------------------

SAMPLE_ROUTE_VALUES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.uuid4())}
SAMPLE_REGEX_GROUPS = {"app_label": "auth", "object_id": "1", "model_name": "user"}


def _sample(pattern) -> str:
    text = str(pattern)
    if "<" in text and "(?P" not in text:
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ROUTE_VALUES[m.group(1) or "str"], text)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_REGEX_GROUPS.get(m.group(1), "1"), text)
    return text.lstrip("^").rstrip("$").replace("\\", "")


def every_url(patterns=None, prefix="/"):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from every_url(entry.url_patterns, prefix + _sample(entry.pattern))
        elif isinstance(entry, URLPattern):
            path = prefix + _sample(entry.pattern)
            try:
                match = resolve(path)
            except Resolver404:
                continue
            yield path, match.url_name


def test_the_url_walk_covers_the_site_and_the_admin():
    names = {name for _, name in every_url()}

    assert len(names) > 60
    assert {"booking_detail", "index", "auth_user_changelist", "week_current", "checks", "my_bookings"} <= names


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_no_staff_url_opens_without_a_second_factor(client, who):
    staff = (
        make_therapist("tom", second_factor=False).user
        if who == "therapist"
        else make_user("ada", is_staff=True, is_superuser=True, second_factor=False)
    )
    client.force_login(staff)

    opened = []
    for path, name in every_url():
        if name in SECOND_FACTOR_SETUP_URLS:
            continue
        response = client.get(path)
        if not (response.status_code == 302 and response.url == TOTP_SETUP):
            opened.append((path, response.status_code))

    assert opened == []


def test_a_client_is_not_asked_for_a_second_factor(client, alice):
    client.force_login(alice)

    assert client.get(reverse("my_bookings")).status_code == 200


# Who needs a second factor: one rule over every permission --------------------------------

# Permissions beyond Django's add/change/delete/view ones that open nothing of a client's:
# "app.codename" -> why. A new permission lands here or in SENSITIVE_PERMISSIONS, or the walk
# below fails.
NOT_SENSITIVE: dict[str, str] = {}
# Django's own model permissions take effect only in the admin, and the admin opens for
# is_staff alone, who need a second factor already; code outside the admin that checks one
# makes it count like any other (classified explicitly).
ADMIN_ACTIONS = ("add", "change", "delete", "view")
ROOT = Path(django_settings.BASE_DIR)
PERMISSION_NAME = re.compile(r"""["'](\w+\.\w+)["']|perms\.(\w+\.\w+)""")


def checked_outside_the_admin() -> set[str]:
    """Every "app.codename" the code or templates name, the admin's own files aside."""
    files = [
        *(f for app in ("clinic", "therapists", "bookings") for f in (ROOT / app).rglob("*.py")),
        *(ROOT / "templates").rglob("*.html"),
    ]
    named = set()
    for file in files:
        if "migrations" in file.parts or file.name == "admin.py" or "admin" in file.relative_to(ROOT).parts[:2]:
            continue
        named |= {a or b for a, b in PERMISSION_NAME.findall(file.read_text())}
    return named


def unclassified_permissions() -> list[str]:
    named = checked_outside_the_admin()
    unclassified = []
    for permission in Permission.objects.select_related("content_type"):
        name = f"{permission.content_type.app_label}.{permission.codename}"
        admin_only = permission.codename in {f"{action}_{permission.content_type.model}" for action in ADMIN_ACTIONS}
        if name in SENSITIVE_PERMISSIONS or name in NOT_SENSITIVE or (admin_only and name not in named):
            continue
        unclassified.append(name)
    return sorted(unclassified)


def test_every_permission_in_the_database_is_classified():
    assert Permission.objects.count() > 100
    # The scan finds the checks the pages make, so a model permission read outside the admin counts.
    assert {"bookings.view_health_data", "bookings.view_clinic_diary", VERIFY_PERMISSION} <= checked_outside_the_admin()
    assert unclassified_permissions() == []


def test_the_sensitive_list_names_real_permissions_and_nothing_twice():
    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}

    assert set(SENSITIVE_PERMISSIONS) <= existing
    assert not set(SENSITIVE_PERMISSIONS) & set(NOT_SENSITIVE)
    assert {"bookings.view_health_data", "bookings.erase_guest_data", "therapists.verify_registration"} <= set(
        SENSITIVE_PERMISSIONS
    )


def test_a_new_permission_nobody_classified_fails_the_walk():
    booking_type = Permission.objects.get(codename="view_health_data").content_type
    Permission.objects.create(codename="export_everything", name="Can export everything", content_type=booking_type)

    assert unclassified_permissions() == ["bookings.export_everything"]


def holder(how: str, permission: str = "bookings.view_health_data", **fields):
    """Nina: not staff, not a therapist, holding ``permission`` directly or through a group."""
    nina = make_user("nina", **fields)
    app_label, codename = permission.split(".")
    granted = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    if how == "directly":
        nina.user_permissions.add(granted)
    else:
        records = Group.objects.create(name="Records")
        records.permissions.add(granted)
        nina.groups.add(records)
    return nina


@pytest.mark.parametrize("how", ["directly", "through a group"])
def test_a_non_staff_holder_of_the_health_permission_is_sent_to_set_up_an_authenticator(client, asha, how):
    nina = holder(how)
    booking = make_booking(therapist=asha)
    client.force_login(nina)

    for path in (reverse("booking_detail", args=[booking.pk]), reverse("my_bookings"), reverse("my_data")):
        response = client.get(path)
        assert (response.status_code, response.url) == (302, TOTP_SETUP)
    assert client.get(TOTP_SETUP, follow=True).status_code == 200


@pytest.mark.parametrize("permission", SENSITIVE_PERMISSIONS)
def test_every_sensitive_permission_alone_needs_a_second_factor(permission):
    standing = staff_standing(holder("through a group", permission))

    assert (standing.is_staff_member, standing.needs_second_factor, standing.has_second_factor) == (False, True, False)


def test_a_superuser_who_is_not_staff_needs_a_second_factor_too():
    assert staff_standing(make_user("root", is_superuser=True)).needs_second_factor


def test_a_client_in_a_group_with_harmless_permissions_is_not_asked(client, alice):
    readers = Group.objects.create(name="Newsletter")
    readers.permissions.add(Permission.objects.get(codename="view_sessiontype"))
    alice.groups.add(readers)
    client.force_login(alice)

    assert not staff_standing(alice).needs_second_factor
    assert client.get(reverse("my_bookings")).status_code == 200


def test_the_standing_is_read_in_one_query(alice, django_assert_num_queries):
    nina = holder("through a group")

    with django_assert_num_queries(1):
        staff_standing(nina)
    with django_assert_num_queries(1):
        staff_standing(alice)


@pytest.mark.parametrize("how", ["directly", "through a group"])
def test_a_non_staff_holder_of_the_health_permission_is_logged_out_when_idle(client, asha, time_machine, settings, how):
    time_machine.move_to(NOW, tick=False)
    nina = holder(how)
    give_second_factor(nina)
    booking = make_booking(therapist=asha)
    client.force_login(nina)
    assert client.get(reverse("booking_detail", args=[booking.pk])).status_code == 200

    time_machine.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1))
    response = client.get(reverse("booking_detail", args=[booking.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_staff_member_without_a_second_factor_can_set_one_up(client):
    tom = make_therapist("tom", second_factor=False)
    client.post(reverse("account_login"), {"login": "tom@example.com", "password": PASSWORD})

    response = client.get(reverse("diary:week_current"), follow=True)
    # Straight to the set-up: the password typed at login a moment ago counts as recent
    # (clinic.accounts; tests/clinic/test_staff_landing.py asks again once it is not).
    assert response.redirect_chain[-1][0] == TOTP_SETUP
    page = client.get(TOTP_SETUP)
    assert page.status_code == 200
    secret = page.context["form"].secret

    client.post(TOTP_SETUP, {"code": format_hotp_value(hotp_value(secret, int(time.time()) // 30))})

    assert tom.user.authenticator_set.filter(type="totp").exists()
    assert client.get(reverse("diary:week_current")).status_code == 200


def test_a_stolen_staff_password_alone_opens_nothing(client, asha):
    response = client.post(reverse("account_login"), {"login": "asha@example.com", "password": PASSWORD})

    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("diary:week_current")).status_code == 302
    assert client.get("/admin/").status_code == 302

    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert client.get(reverse("diary:week_current")).status_code == 302

    client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert client.get(reverse("diary:week_current")).status_code == 200


def test_the_admin_login_is_the_guarded_login_page(client, admin_user):
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.get("/admin/").status_code == 302  # still not logged in


# Idle staff sessions -----------------------------------------------------------------------


def test_a_staff_session_ends_after_the_idle_time(client, asha, time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    client.force_login(asha.user)
    assert client.get(reverse("diary:week_current")).status_code == 200

    time_machine.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES - 1))
    assert client.get(reverse("diary:week_current")).status_code == 200  # activity restarts the clock
    time_machine.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES - 1))
    assert client.get(reverse("diary:week_current")).status_code == 200

    time_machine.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1))
    response = client.get(reverse("diary:week_current"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    page = client.get(response.url).content.decode()
    assert f"logged out after {settings.STAFF_IDLE_MINUTES} minutes" in page
    assert client.get(reverse("diary:week_current")).status_code == 302


def test_the_idle_time_is_the_clinics_setting(client, asha, time_machine, settings):
    settings.STAFF_IDLE_MINUTES = 5
    time_machine.move_to(NOW, tick=False)
    client.force_login(asha.user)

    time_machine.shift(dt.timedelta(minutes=6))

    assert client.get(reverse("diary:week_current")).status_code == 302


def test_a_client_session_does_not_end_after_half_an_hour(client, alice, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.force_login(alice)

    time_machine.shift(dt.timedelta(hours=3))

    assert client.get(reverse("my_bookings")).status_code == 200


# Guessing passwords -----------------------------------------------------------------------


def log_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_twenty_wrong_passwords_lock_the_account_and_say_for_how_long(client, alice, settings):
    responses = [log_in(client, "alice@example.com", f"guess-{n}") for n in range(20)]

    locked = [r for r in responses if "Please try again in 15 minutes" in r.content.decode()]
    assert len(locked) == 20 - settings.LOGIN_FAILURES_ALLOWED
    # The right password does not get in while the lock holds...
    response = log_in(client, "alice@example.com", PASSWORD)
    assert "Please try again in 15 minutes" in response.content.decode()
    assert client.get(reverse("my_bookings")).status_code == 302


def test_the_lock_lifts_after_its_time(client, alice, time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    for n in range(settings.LOGIN_FAILURES_ALLOWED):
        log_in(client, "alice@example.com", f"guess-{n}")

    time_machine.shift(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1))

    assert log_in(client, "alice@example.com", PASSWORD).status_code == 302
    assert client.get(reverse("my_bookings")).status_code == 200


def test_one_network_guessing_many_accounts_is_locked_out_too(client, alice, settings):
    for n in range(settings.LOGIN_FAILURES_PER_NETWORK):
        log_in(client, f"someone-{n}@example.com", "guess")

    response = log_in(client, "alice@example.com", PASSWORD)

    assert "Please try again in 15 minutes" in response.content.decode()


def test_guessing_on_the_admin_login_tries_no_password_at_all(client, admin_user):
    for n in range(20):
        response = client.post("/admin/login/", {"username": "admin", "password": f"guess-{n}"})
        assert response.url.startswith(reverse("account_login"))
    assert client.get("/admin/").status_code == 302
