"""Points the local Stripe server (localstripe, `make run`) at this site's webhook, once it
answers. Real Stripe is set up in its dashboard instead (README)."""

import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Register this site's webhook with the local Stripe server (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--site", default=settings.SITE_URL, help="Where the web server answers.")
        parser.add_argument("--wait", type=float, default=30, help="Seconds to wait for the local Stripe.")

    def handle(self, *args, site: str, wait: float, **options):
        if not settings.STRIPE_API_BASE:
            raise CommandError("STRIPE_API_BASE is empty: this is for a local Stripe server only.")
        deadline = time.monotonic() + wait
        while True:
            try:
                response = requests.post(
                    f"{settings.STRIPE_API_BASE}/_config/webhooks/clinic",
                    data={"url": f"{site.rstrip('/')}/pay/stripe/webhook/", "secret": settings.STRIPE_WEBHOOK_SECRET},
                    timeout=2,
                )
                response.raise_for_status()
                break
            except requests.RequestException as error:
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"The local Stripe at {settings.STRIPE_API_BASE} did not answer: {error}"
                    ) from None
                time.sleep(0.5)
        self.stdout.write(f"Local Stripe at {settings.STRIPE_API_BASE} sends its webhooks to {site}.")
