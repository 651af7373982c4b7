from functools import wraps
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.errors import ServiceError
from clinic.upload_limits import upload_limit

from .forms import ApproveForm, ProfileForm, ReasonForm, RegistrationForm, ReopenForm, one_year_from
from .models import RegistrationEvent, Therapist
from .selectors import (
    can_verify,
    registration_history,
    registration_list_all,
    registration_queue,
    therapist_for_user,
    therapist_get_bookable,
    therapist_get_for_file,
    therapist_list_bookable,
)
from .services import profile, registration
from .uploads import CERTIFICATE_MAX_BYTES, PHOTO_MAX_BYTES, content_type_for

# CNHC's own site, where anyone can search the public register by name, town or postcode.
# There is no API behind it: a person searches and writes down what they saw.
CNHC_REGISTER_URL = "https://www.cnhc.org.uk/"


def verifier_required(view):
    """403 for anyone but staff holding therapists.verify_registration."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_verify(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def default_expiry(therapist: Therapist):
    """A year from today, or the therapist's CNHC renewal date if that comes first: a check
    never holds past it."""
    a_year = one_year_from(timezone.localdate())
    return min(a_year, therapist.cnhc_renews_on) if therapist.cnhc_renews_on else a_year


def _form_error(form, error: ValidationError | ServiceError) -> None:
    form.add_error(None, error.message if isinstance(error, ServiceError) else error)


# A page of the list: a clinic of 200 therapists shows 24 at a time, so the page's size and
# time do not grow with every therapist's card.
THERAPISTS_PER_PAGE = 24


def therapist_list(request):
    page = Paginator(therapist_list_bookable(on=timezone.localdate()), THERAPISTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "therapists/list.html",
        {"therapists": page.object_list, "page": page, "cnhc_register_url": CNHC_REGISTER_URL},
    )


def therapist_detail(request, pk: int):
    """A bookable therapist's own page; 404 for anyone clients may not book."""
    therapist = therapist_get_bookable(therapist_id=pk, on=timezone.localdate())
    if therapist is None:
        raise Http404
    return render(request, "therapists/detail.html", {"therapist": therapist, "cnhc_register_url": CNHC_REGISTER_URL})


def therapist_photo(request, pk: int):
    therapist = therapist_get_for_file(
        therapist_id=pk, user=request.user, field="photo", public_on=timezone.localdate()
    )
    if therapist is None:
        raise Http404
    # private: the therapist sees their own photo before it is public, so no shared cache may keep it.
    return _file_response(therapist.photo, cache="private, max-age=300")


@login_required
def therapist_certificate(request, pk: int):
    therapist = therapist_get_for_file(therapist_id=pk, user=request.user, field="certificate", public_on=None)
    if therapist is None:
        raise Http404
    # An attachment, never shown inline: a file from outside is not rendered as part of the site.
    return _file_response(therapist.certificate, cache="private, no-store", as_attachment=True)


def _file_response(field_file, *, cache: str, as_attachment: bool = False) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=content_type_for(field_file.name),
        as_attachment=as_attachment,
        filename=f"certificate{PurePath(field_file.name).suffix}" if as_attachment else "",
    )
    response["Cache-Control"] = cache
    return response


def _not_a_therapist(request):
    """What an account the clinic has not made a therapist sees on the therapist pages: how
    to join, and nothing it could save."""
    return render(request, "therapists/not_a_therapist.html", status=403)


@login_required
def my_registration(request):
    therapist = therapist_for_user(user=request.user)
    if therapist is None:
        return _not_a_therapist(request)
    history = list(registration_history(therapist=therapist))
    # A rejected or suspended registration cannot change again without a new event, so the
    # latest event is the decision that put it there.
    stopped = therapist.registration_status in (
        Therapist.RegistrationStatus.REJECTED,
        Therapist.RegistrationStatus.SUSPENDED,
    )
    reason = history[0].note if stopped and history else ""
    return render(
        request,
        "therapists/me.html",
        {
            "therapist": therapist,
            "history": history,
            "reason": reason,
            "bookable": Therapist.objects.bookable(on=timezone.localdate()).filter(pk=therapist.pk).exists(),
        },
    )


@login_required
@upload_limit(PHOTO_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def my_profile(request):
    therapist = therapist_for_user(user=request.user)
    if therapist is None:
        return _not_a_therapist(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                profile.therapist_profile_save(
                    user=request.user,
                    display_name=data["display_name"],
                    bio=data["bio"],
                    specialities=data["specialities"],
                    session_type_ids=[session_type.pk for session_type in data["session_types"]],
                    photo=data["photo"],
                    remove_photo=data["remove_photo"],
                )
            except profile.NotATherapist:
                return _not_a_therapist(request)
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Your profile has been saved.")
                if therapist.registration_submitted_at is None:
                    return redirect("therapists:registration")
                return redirect("therapists:me")
    else:
        form = ProfileForm(
            initial={
                "display_name": therapist.display_name,
                "bio": therapist.bio,
                "specialities": therapist.specialities,
                "session_types": list(therapist.session_types.all()),
            }
        )
    return render(request, "therapists/profile_form.html", {"form": form, "therapist": therapist})


@login_required
@upload_limit(CERTIFICATE_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def my_registration_edit(request):
    therapist = therapist_for_user(user=request.user)
    if therapist is None:
        return _not_a_therapist(request)
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                registration.registration_submit(
                    therapist_id=therapist.pk,
                    submitted_by=request.user,
                    cnhc_number=data["cnhc_number"],
                    disciplines=data["disciplines"],
                    cnhc_renews_on=data["cnhc_renews_on"],
                    other_registers=data["other_registers"],
                    certificate=data["certificate"],
                )
            except (ValidationError, registration.RegistrationError) as error:
                _form_error(form, error)
            else:
                messages.success(request, "Your registration details have been saved.")
                return redirect("therapists:me")
    else:
        form = RegistrationForm(
            initial={
                "cnhc_number": therapist.cnhc_number,
                "disciplines": therapist.disciplines,
                "cnhc_renews_on": therapist.cnhc_renews_on,
                "other_registers": therapist.other_registers,
            }
        )
    return render(request, "therapists/registration_form.html", {"form": form, "therapist": therapist})


@login_required
@verifier_required
def check_queue(request):
    return render(
        request,
        "therapists/check_queue.html",
        {"queue": registration_queue(), "everyone": registration_list_all(), "cnhc_register_url": CNHC_REGISTER_URL},
    )


DECISIONS = {
    "approve": (ApproveForm, "Approved: {name} can be booked until {expires_on:%d %B %Y}."),
    "reject": (ReasonForm, "Rejected: {name} has been told why."),
    "suspend": (ReasonForm, "Suspended: {name} can no longer be booked."),
    "reopen": (ReopenForm, "Suspension lifted: {name} is back in the queue for a new check."),
}


def _decide(action: str, *, therapist: Therapist, user, data: dict) -> RegistrationEvent:
    if action == "approve":
        return registration.registration_approve(
            therapist_id=therapist.pk,
            decided_by=user,
            seen_on_register=data["seen_on_register"],
            expires_on=data["expires_on"],
            cnhc_number_checked=data["cnhc_number_checked"],
        )
    if action == "reject":
        return registration.registration_reject(therapist_id=therapist.pk, decided_by=user, reason=data["reason"])
    if action == "suspend":
        return registration.registration_suspend(therapist_id=therapist.pk, decided_by=user, reason=data["reason"])
    return registration.registration_reopen(therapist_id=therapist.pk, decided_by=user, note=data["note"])


@login_required
@verifier_required
@require_http_methods(["GET", "POST"])
def check_detail(request, pk: int):
    therapist = get_object_or_404(Therapist.objects.select_related("user"), pk=pk)
    forms = {
        "approve": ApproveForm(
            prefix="approve",
            initial={"expires_on": default_expiry(therapist), "cnhc_number_checked": therapist.cnhc_number},
        ),
        "reject": ReasonForm(prefix="reject"),
        "suspend": ReasonForm(prefix="suspend"),
        "reopen": ReopenForm(prefix="reopen"),
    }
    action = request.POST.get("action")
    if request.method == "POST":
        if action not in DECISIONS:
            raise Http404
        form_class, success = DECISIONS[action]
        form = forms[action] = form_class(request.POST, prefix=action)
        if form.is_valid():
            try:
                event = _decide(action, therapist=therapist, user=request.user, data=form.cleaned_data)
            except ValidationError as error:
                _form_error(form, error)
            except registration.RegistrationError as error:
                # Not about a field (their own registration, or decided meanwhile): said at the top.
                messages.error(request, error.message)
            else:
                messages.success(request, success.format(name=therapist.display_name, expires_on=event.expires_on))
                if action in ("approve", "reject"):
                    return redirect("therapists:checks")  # on to the next one in the queue
                return redirect("therapists:check", therapist.pk)
    return render(
        request,
        "therapists/check_detail.html",
        {
            "therapist": therapist,
            "history": registration_history(therapist=therapist),
            "forms": forms,
            "failed_action": action if request.method == "POST" else None,
            "is_self": therapist.user_id == request.user.pk,
            "cnhc_register_url": CNHC_REGISTER_URL,
        },
    )
