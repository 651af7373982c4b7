"""How django-allauth speaks for the clinic: the lockout message names its wait."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from .selectors import clinic_get


class AccountAdapter(DefaultAccountAdapter):
    @property
    def error_messages(self) -> dict:
        messages = dict(super().error_messages)
        # allauth says only "try again later"; someone locked out should know how long to wait.
        messages["too_many_login_attempts"] = (
            "Too many failed attempts to log in. Please try again in "
            f"{settings.LOGIN_LOCKOUT_MINUTES} minutes, or reset your password."
        )
        return messages

    def render_mail(self, template_prefix, email, context, headers=None):
        # allauth renders without our context processors when it has no request.
        return super().render_mail(template_prefix, email, {"clinic": clinic_get(), **context}, headers=headers)
