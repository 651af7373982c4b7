"""Where someone goes on from a page that ends a step of its own (the recovery codes after
setting up an authenticator): where their login lands (clinic.accounts)."""

from allauth.account.adapter import get_adapter
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def login_landing_url(context) -> str:
    request = context["request"]
    return get_adapter(request).get_login_redirect_url(request)
