"""Every refusal a service raises is a ServiceError (clinic.errors), so a view can catch one
family and show its message, never a traceback. A test walks the services (and the privacy
and records rooms, whose modules are services too) and names any exception that is not."""

import importlib
import pkgutil
import sys

import pytest

from bookings.diary.services import TimeOffClashesWithBookings
from bookings.privacy.health_consent import ConsentError
from bookings.privacy.my_data import ErasureRefused
from bookings.records.notes import AmendmentRefused
from bookings.services.booking import BookingError, ClinicBusy, SlotNotFree
from bookings.services.rooms import RoomClosureClashesWithBookings, RoomInUse, RoomNotFree
from clinic.errors import ServiceError
from therapists.services.profile import NotATherapist
from therapists.services.registration import RegistrationError

APPS = ["clinic", "therapists", "bookings"]
# Rooms whose every module holds services; elsewhere a module is one when named services
# (bookings/services/*, therapists/services/*, bookings/diary/services.py).
SERVICE_ROOMS = ["bookings.privacy", "bookings.records"]


def holds_services(module_name: str) -> bool:
    return "services" in module_name.split(".") or any(
        module_name == room or module_name.startswith(room + ".") for room in SERVICE_ROOMS
    )


def exceptions_in_services(packages: list[str]) -> dict[str, type[BaseException]]:
    """Every exception class defined (not imported) in a service module of ``packages``, by
    dotted name."""
    found = {}
    for package_name in packages:
        package = importlib.import_module(package_name)
        names = [package_name] + [
            info.name for info in pkgutil.walk_packages(package.__path__, prefix=package_name + ".")
        ]
        for name in names:
            if not holds_services(name) or ".migrations" in name:
                continue
            module = importlib.import_module(name)
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == name:
                    found[f"{name}.{value.__qualname__}"] = value
    return found


def strays(packages: list[str]) -> list[str]:
    return sorted(name for name, cls in exceptions_in_services(packages).items() if not issubclass(cls, ServiceError))


def test_every_exception_a_service_raises_is_a_service_error():
    assert strays(APPS) == []


def test_the_walk_finds_the_services_refusals():
    found = set(exceptions_in_services(APPS).values())

    assert {
        BookingError,
        SlotNotFree,
        RoomInUse,
        RoomClosureClashesWithBookings,
        RoomNotFree,
        TimeOffClashesWithBookings,
        AmendmentRefused,
        ErasureRefused,
        ConsentError,
        RegistrationError,
        NotATherapist,
    } <= found


def test_a_stray_exception_in_a_services_module_is_named(tmp_path, monkeypatch):
    package = f"stray_{tmp_path.name.replace('-', '_')}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "services.py").write_text(
        "from clinic.errors import ServiceError\n\n\n"
        "class Oops(Exception):\n    pass\n\n\n"
        "class Refused(ServiceError):\n    pass\n"
    )
    (tmp_path / package / "helpers.py").write_text("class NotAService(Exception):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert strays([package]) == [f"{package}.services.Oops"]
    finally:
        for name in [name for name in sys.modules if name == package or name.startswith(package + ".")]:
            del sys.modules[name]


@pytest.mark.parametrize(
    "error, message",
    [
        (ServiceError("That room is closed."), "That room is closed."),
        (BookingError("That session is not available to book."), "That session is not available to book."),
        (ClinicBusy(), "We are taking a lot of bookings right now. Please try again in a moment."),
        (NotATherapist(), "Only therapists the clinic has added have a therapist profile."),
    ],
)
def test_a_service_errors_message_is_what_str_gives(error, message):
    assert error.message == message
    assert str(error) == message
