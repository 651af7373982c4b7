"""The settings module reads the environment and refuses bad or missing values by name."""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "clinic" / "settings.py"

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "clinic.example",
    "EMAIL_HOST": "smtp.clinic.example",
    "DATABASE_URL": "postgres://clinic:clinic@127.0.0.1:5432/clinic",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}
VARIABLES = [
    *PRODUCTION_ENV,
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "CELERY_RESULT_BACKEND",
    "VAR_DIR",
    "DATABASE_CONN_MAX_AGE",
]


def load_settings(monkeypatch, **env) -> dict:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_defaults_run_on_sqlite_filesystem_broker_and_file_outbox(monkeypatch):
    settings = load_settings(monkeypatch)

    assert settings["DEBUG"] is True
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["DATABASES"]["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings["DATABASES"]["default"]["OPTIONS"]["init_command"]
    assert settings["CELERY_BROKER_URL"] == "filesystem://"
    options = settings["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options["data_folder_in"] == options["data_folder_out"]
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert settings["TIME_ZONE"] == "Europe/London"
    assert settings["USE_TZ"] is True
    assert settings["LANGUAGE_CODE"] == "en-gb"


def test_production_values_switch_to_postgres_redis_and_smtp(monkeypatch):
    settings = load_settings(monkeypatch, **PRODUCTION_ENV)

    assert settings["DEBUG"] is False
    # Django's PostgreSQL backend, with every wait on the server bounded.
    assert settings["DATABASES"]["default"]["ENGINE"] == "clinic.db"
    assert "statement_timeout=8000" in settings["DATABASES"]["default"]["OPTIONS"]["options"]
    assert settings["DATABASES"]["default"]["NAME"] == "clinic"
    assert settings["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    assert settings["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6379/0"
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["ALLOWED_HOSTS"] == ["clinic.example"]
    # No Stripe keys: no payments online, and nothing points at a local Stripe.
    assert (settings["STRIPE_SECRET_KEY"], settings["STRIPE_API_BASE"]) == ("", "")
    assert settings["STRIPE_JS_URL"] == "https://js.stripe.com/v3/"


@pytest.mark.parametrize(
    "env, named",
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({**PRODUCTION_ENV, "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "x", "EMAIL_HOST": "x"}, "SECRET_KEY"),
        ({**PRODUCTION_ENV, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_HOST"}, "EMAIL_HOST"),
        ({"EMAIL_HOST": "smtp.example", "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"EMAIL_HOST": "smtp.example", "EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS"),
        ({"DATABASE_CONN_MAX_AGE": "1.5"}, "DATABASE_CONN_MAX_AGE"),
        ({"REMINDER_ON_THE_DAY_HOUR": "25"}, "REMINDER_ON_THE_DAY_HOUR"),
        ({"FREE_CANCELLATION_HOURS": "48", "REMINDER_AHEAD_HOURS": "24"}, "REMINDER_AHEAD_HOURS"),
        ({"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_PUBLISHABLE_KEY": "pk_live_x"}, "live key"),
        ({**PRODUCTION_ENV, "STRIPE_SECRET_KEY": "sk_test_x"}, "STRIPE_WEBHOOK_SECRET"),
        (
            {
                **PRODUCTION_ENV,
                "STRIPE_SECRET_KEY": "sk_live_x",
                "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
                "STRIPE_WEBHOOK_SECRET": "whsec_x",
            },
            "STRIPE_PUBLISHABLE_KEY",
        ),
    ],
)
def test_a_bad_or_missing_value_fails_naming_the_variable(monkeypatch, env, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        load_settings(monkeypatch, **env)


def test_start_up_fails_with_the_variable_named():
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "clinic.example", "EMAIL_HOST": "smtp.example"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable." in result.stderr


def test_check_deploy_reports_nothing_in_production():
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
