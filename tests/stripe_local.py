"""A local, stateful Stripe (localstripe) for the tests: started once per run on a free port
of 127.0.0.1 and pointed at by the settings. No money, no network. A test that wants
webhooks registers its own URL with ``webhook_register``; ``signed`` signs a body as Stripe
(and localstripe) do, for tests that post webhooks themselves."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

WEBHOOK_SECRET = "whsec_test_suite"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStripe:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        executable = Path(sys.executable).with_name("localstripe")
        self.process = subprocess.Popen(
            [str(executable), "--port", str(self.port), "--from-scratch"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/js.stripe.com/v3/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not start within 20 s")

    def webhook_register(self, url: str) -> None:
        response = requests.post(
            f"{self.url}/_config/webhooks/suite", data={"url": url, "secret": WEBHOOK_SECRET}, timeout=5
        )
        response.raise_for_status()

    def card_confirm(self, setup_secret: str, number: str) -> requests.Response:
        """What Stripe.js does with the card form: confirms the SetupIntent with the card."""
        setup_intent = setup_secret.split("_secret_")[0]
        return requests.post(
            f"{self.url}/v1/setup_intents/{setup_intent}/confirm",
            data=json.dumps(
                {
                    "key": "pk_test_local",
                    "use_stripe_sdk": True,
                    "client_secret": setup_secret,
                    "payment_method_data": {
                        "type": "card",
                        "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
                    },
                }
            ),
            timeout=5,
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def signed(event: dict, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header."""
    at = at or int(time.time())
    body = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), b"%d.%s" % (at, body), hashlib.sha256).hexdigest()
    return body, f"t={at},v1={signature}"
