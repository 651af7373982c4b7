"""Settings for the clinic app, read from the environment in one place.

Every value has a development default except those that would be unsafe to guess in
production: with DEBUG off, SECRET_KEY, ALLOWED_HOSTS and EMAIL_HOST must be set. A bad or
missing value stops start-up with ImproperlyConfigured naming the variable.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from xstatic.pkg import bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# Local runtime state (SQLite file, broker folder, outbox, beat schedule) lives in var/,
# which git ignores.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "development-only-key-not-for-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host names, comma-separated.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The site's host name, for identifiers that must stay the same across emails and calendar
# files (Message-IDs, calendar UIDs) whatever host a request came in on.
SITE_HOST = urlsplit(SITE_URL).hostname or "localhost"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "clinic",
    "therapists",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "therapists.middleware.StaffSecurityMiddleware",
    "clinic.middleware.PrivatePagesNoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so nothing before it has read a body it refuses; its process_view needs messages.
    "clinic.middleware.AdminDatesInRangeMiddleware",
    "clinic.middleware.RequestBodyCapMiddleware",
]

# The largest request body any page takes: Django's own limit for a form's fields (2.5 MB),
# which the admin's 2 MB logo and its form fit. The upload views keep their own larger caps
# (clinic.upload_limits). Over it: 413, before the body is read (clinic.middleware).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 2_621_440)

# Content-Security-Policy: scripts, styles, fonts and images only from this site (Bootstrap's
# form controls draw their icons as data: SVG images); no inline script or style is allowed,
# so an injected <script> or style attribute does nothing. Pages are never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
            ],
            "builtins": ["clinic.templatetags.london"],
        },
    },
    {
        # Plain-text email parts and subjects: text/plain is not HTML, so nothing in it is
        # HTML-escaped ("O'Brien", not "O&#x27;Brien"). Used by name only (clinic.emails).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "NAME": "text",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False, "builtins": ["clinic.templatetags.london"]},
    },
]

# SQLite by default so `make run` needs no server. IMMEDIATE transactions take the write
# lock at BEGIN, so two writers queue on busy_timeout instead of failing mid-transaction;
# WAL lets readers carry on while one of them writes.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
# The longest one query may run on PostgreSQL, in seconds (0: no limit, for a migration that
# builds an index on a big table). Past the 5 s lock timeout of a booking, under the 10 s in
# which every request must be answered even with the server silent (clinic.db).
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 8)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down, gone or silent must fail a request in seconds (a 503 page), not
    # hang a web worker for the operating system's TCP timeout of minutes: connecting is
    # bounded, every query is bounded on the server (statement_timeout) and on the client
    # (clinic.db, for a server that no longer runs at all), and keepalives with
    # tcp_user_timeout drop a pooled connection whose server's machine has gone.
    DATABASES["default"]["ENGINE"] = "clinic.db"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=env_int("DATABASE_CONNECT_TIMEOUT", 5),
        options=f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}",
        keepalives=1,
        keepalives_idle=5,
        keepalives_interval=2,
        keepalives_count=3,
        tcp_user_timeout=10_000,
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = _SQLITE_OPTIONS
    # A file, not memory, so a Celery worker process started by a test can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-clinic.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Accounts (django-allauth): the email address is the login, and it must be verified before
# the account signs in, because a verified address is what links an account to the bookings
# made with it. Confirming an address or resetting a password takes a POST from the page the
# emailed link opens, never the GET itself (mail scanners open links).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "clinic.accounts.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# A changed password, email address or second factor is told to the account's address, so a
# change nobody asked for is noticed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Guessing passwords. Each count runs over LOGIN_LOCKOUT_MINUTES and lives in the cache:
# - LOGIN_FAILURES_ALLOWED wrong passwords for one address from one network stop that
#   network trying that address: a stranger guessing elsewhere cannot keep the real person out;
# - LOGIN_FAILURES_PER_NETWORK from one network, whatever the addresses, stop that network;
# - LOGIN_FAILURES_PER_ADDRESS for one address from everywhere stop everyone trying it, so
#   spreading guesses over networks stays slow, and a lock-out takes
#   LOGIN_FAILURES_PER_ADDRESS / LOGIN_FAILURES_ALLOWED networks (10).
# Wrong authenticator (or recovery) codes are counted apart, per account: only someone who
# knew the password reaches that step (clinic.accounts says how each is counted).
# The admin's login is the same page, so the same limits hold there.
LOGIN_FAILURES_ALLOWED = env_int("LOGIN_FAILURES_ALLOWED", 5)
LOGIN_FAILURES_PER_NETWORK = env_int("LOGIN_FAILURES_PER_NETWORK", 20)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 50)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
SECOND_FACTOR_FAILURES_ALLOWED = env_int("SECOND_FACTOR_FAILURES_ALLOWED", 5)
for _name in (
    "LOGIN_FAILURES_ALLOWED",
    "LOGIN_FAILURES_PER_NETWORK",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_LOCKOUT_MINUTES",
    "SECOND_FACTOR_FAILURES_ALLOWED",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1, not {globals()[_name]}.")
_LOCKOUT = f"{LOGIN_LOCKOUT_MINUTES * 60}s"
ACCOUNT_RATE_LIMITS = {
    "login_failed_here": f"{LOGIN_FAILURES_ALLOWED}/{_LOCKOUT}/key",
    "login_failed_network": f"{LOGIN_FAILURES_PER_NETWORK}/{_LOCKOUT}/ip",
    "login_failed_address": f"{LOGIN_FAILURES_PER_ADDRESS}/{_LOCKOUT}/key",
    # allauth.mfa counts wrong codes under allauth's own name, keyed by the account.
    "login_failed": f"{SECOND_FACTOR_FAILURES_ALLOWED}/{_LOCKOUT}/key",
}
# How many proxies of ours stand in front of the app and each add the address they were
# reached from to X-Forwarded-For: the client's address is the one the outermost of them added
# (1 behind one TLS proxy, as docker-compose.yml sets). With 0 the header is ignored and the
# connection's address counts, since anyone can send the header. Set it only when the app is
# reachable through those proxies alone: a client reaching it directly could name any address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Staff (therapists and admins) read health data: they sign in with a code from an
# authenticator app as well as the password, and keep recovery codes for a lost phone.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# A code from the 30 seconds before or after is accepted too: a phone's clock a little off,
# or a code typed as it changed, should not lock a therapist out. Each code still works once.
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = env_str("CLINIC_NAME", "Clinic")
# Setting up or removing an authenticator asks for the password again unless it was given
# this recently; a login counts (clinic.accounts), so set-up straight after one does not ask.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# A staff session left alone this long ends; clients keep Django's usual two weeks.
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
if STAFF_IDLE_MINUTES < 1:
    raise ImproperlyConfigured(f"STAFF_IDLE_MINUTES must be at least 1, not {STAFF_IDLE_MINUTES}.")


LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Bootstrap comes from the installed xstatic package, never a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic_bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# The clinic's name for a new database's details row (an admin edits them after) and for
# the authenticator app, which must know it before any database is read.
CLINIC_NAME = env_str("CLINIC_NAME", "Clinic")

# The email outbox: a claim older than the lease means the worker holding it died (a send
# task starts no email after half its lease); a row handed to the broker is handed over again
# if it is still unsent after the redispatch time (its message lost with a worker or a Redis
# restart). Together they bring a crashed send back within about two minutes.
OUTBOX_CLAIM_LEASE_SECONDS = env_int("OUTBOX_CLAIM_LEASE_SECONDS", 60)
OUTBOX_REDISPATCH_SECONDS = env_int("OUTBOX_REDISPATCH_SECONDS", 60)
# How often beat runs the dispatcher: rows whose broker message was lost (Redis restarted
# empty) come back at most redispatch + this after they were handed over.
OUTBOX_DISPATCH_EVERY_SECONDS = env_int("OUTBOX_DISPATCH_EVERY_SECONDS", 30)

# Clients may change or cancel free of charge until this many hours before the start.
FREE_CANCELLATION_HOURS = env_int("FREE_CANCELLATION_HOURS", 24)
# The first reminder goes this many hours before the start: a day before free cancellation
# ends, so a client it prompts can still cancel free. A second goes on the day (London time).
REMINDER_AHEAD_HOURS = env_int("REMINDER_AHEAD_HOURS", FREE_CANCELLATION_HOURS + 24)
if REMINDER_AHEAD_HOURS <= FREE_CANCELLATION_HOURS:
    raise ImproperlyConfigured("REMINDER_AHEAD_HOURS must be more than FREE_CANCELLATION_HOURS.")
REMINDER_ON_THE_DAY_HOUR = env_int("REMINDER_ON_THE_DAY_HOUR", 8)
if not 0 <= REMINDER_ON_THE_DAY_HOUR <= 23:
    raise ImproperlyConfigured(
        f"REMINDER_ON_THE_DAY_HOUR must be an hour from 0 to 23, not {REMINDER_ON_THE_DAY_HOUR}."
    )
REMINDER_ON_THE_DAY_AT = datetime.time(REMINDER_ON_THE_DAY_HOUR)
# Clinical records (sessions with notes) are kept this many years after a client's last
# session, even when the client asks for erasure; then a daily task erases them.
CLINICAL_RECORD_RETENTION_YEARS = env_int("CLINICAL_RECORD_RETENTION_YEARS", 8)
if CLINICAL_RECORD_RETENTION_YEARS < 1:
    raise ImproperlyConfigured("CLINICAL_RECORD_RETENTION_YEARS must be at least 1.")
# What is not a clinical record goes sooner (bookings.privacy.retention; the README's health
# data section states the same). A booking that never took place (cancelled, a no-show without
# notes, never marked attended) loses the client's name, contacts and health answers a year
# after its date: long enough to answer a question or a dispute about a late cancellation or a
# no-show (card chargebacks run to 120 days), and no duty asks for more.
NON_CLINICAL_RETENTION_DAYS = env_int("NON_CLINICAL_RETENTION_DAYS", 365)
# Sent, failed and cancelled emails (each names an address) go 180 days after they were due:
# enough to show what was sent when a booking or a payment is queried, no more.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 180)
# The log of looks at health data lives as long as the clinical records it covers, so a client
# can ask who read her record for as long as it is kept (and a claim over misuse of personal
# data can be brought for six years: Limitation Act 1980).
ACCESS_LOG_RETENTION_YEARS = env_int("ACCESS_LOG_RETENTION_YEARS", max(6, CLINICAL_RECORD_RETENTION_YEARS))
# The most of each kind one daily run erases, so a first run over years of records stays short;
# what is left goes the next day.
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 1000)
if min(NON_CLINICAL_RETENTION_DAYS, OUTBOX_RETENTION_DAYS, RETENTION_BATCH_SIZE) < 1:
    raise ImproperlyConfigured(
        "NON_CLINICAL_RETENTION_DAYS, OUTBOX_RETENTION_DAYS and RETENTION_BATCH_SIZE must be at least 1."
    )
if ACCESS_LOG_RETENTION_YEARS < 6:
    raise ImproperlyConfigured("ACCESS_LOG_RETENTION_YEARS must be at least 6 (the Limitation Act's six years).")
# Aftercare emails leave only between these London hours (24 = midnight at the day's end).
AFTERCARE_SEND_FROM_HOUR = env_int("AFTERCARE_SEND_FROM_HOUR", 8)
AFTERCARE_SEND_UNTIL_HOUR = env_int("AFTERCARE_SEND_UNTIL_HOUR", 20)
if not 0 <= AFTERCARE_SEND_FROM_HOUR < AFTERCARE_SEND_UNTIL_HOUR <= 24:
    raise ImproperlyConfigured(
        "AFTERCARE_SEND_FROM_HOUR and AFTERCARE_SEND_UNTIL_HOUR must be hours with 0 <= from < until <= 24."
    )

# Payments through Stripe (bookings.payments). While developing, a local, stateful Stripe server
# (localstripe, started by `make run` and the tests) with test keys: no money moves and no
# network is needed. In production the three keys come from Stripe's dashboard and
# STRIPE_API_BASE stays empty; without a secret key no payment is taken online (the clinic's
# payment policies wait) and bookings are confirmed as they are made.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "http://127.0.0.1:8420" if DEBUG else "").rstrip("/")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "sk_test_local" if DEBUG else "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "pk_test_local" if DEBUG else "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_local" if DEBUG else "")
if STRIPE_SECRET_KEY and not (STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("With STRIPE_SECRET_KEY, set STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET too.")
# Stripe.js must be loaded from Stripe: the payment page alone allows this origin in its CSP.
STRIPE_JS_URL = env_str(
    "STRIPE_JS_URL", f"{STRIPE_API_BASE}/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/"
)
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 10)
STRIPE_LIVE = STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
if STRIPE_LIVE and DEBUG:
    raise ImproperlyConfigured("STRIPE_SECRET_KEY is a live key: live payments need DEBUG off.")
if STRIPE_LIVE and (STRIPE_API_BASE or not STRIPE_PUBLISHABLE_KEY.startswith("pk_live_")):
    raise ImproperlyConfigured(
        "With a live STRIPE_SECRET_KEY, set a live STRIPE_PUBLISHABLE_KEY and no STRIPE_API_BASE."
    )
# How long an unpaid booking holds its time before it is released.
PAYMENT_HOLD_MINUTES = env_int("PAYMENT_HOLD_MINUTES", 15)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: a file outbox under var/ while developing, SMTP in production.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clinic bookings <bookings@clinic.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    # Bounds each SMTP step, so a send started inside the outbox's lease ends inside it.
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "outbox"
else:
    raise ImproperlyConfigured("Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) in production.")

# Celery. The default broker is kombu's filesystem transport under var/, so a worker and
# beat run with no server; CELERY_BROKER_URL=redis://... switches to Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_DATA_FOLDER = Path(env_str("CELERY_DATA_FOLDER", str(VAR_DIR / "celery")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder for in and out: the worker reads what the web process writes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_FOLDER / "queue"),
        "data_folder_out": str(CELERY_DATA_FOLDER / "queue"),
        "control_folder": str(CELERY_DATA_FOLDER / "control"),
    }
    _default_result_backend = f"file://{CELERY_DATA_FOLDER / 'results'}"
else:
    _default_result_backend = CELERY_BROKER_URL
# The login rate limits count in the cache, so every web process must share one: Redis in
# production (docker-compose sets CACHE_URL), this process's memory when developing.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}.")

CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _default_result_backend)
CELERY_RESULT_EXPIRES = 3600
# Tasks keep their state in database rows; storing (and subscribing to) results in the
# backend for each of them would only slow the outbox down. clinic.ping opts back in.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The outbox's dispatcher has a queue, and a worker, of its own (make run, docker-compose's
# dispatcher service): in the send tasks' queue it waited behind thousands of them, so the
# emails a killed worker left stranded came back minutes late. Everything else uses "celery".
CELERY_TASK_DEFAULT_QUEUE = "celery"
OUTBOX_DISPATCH_QUEUE = "dispatch"
CELERY_TASK_ROUTES = {"bookings.dispatch_outbound_emails": {"queue": OUTBOX_DISPATCH_QUEUE}}
CELERY_BEAT_SCHEDULE = {
    "dispatch-outbound-emails": {
        "task": "bookings.dispatch_outbound_emails",
        "schedule": OUTBOX_DISPATCH_EVERY_SECONDS,
        # A run its worker could not start in time is dropped, not run late in a pile: the
        # next one, a moment later, does the same work.
        "options": {"expires": OUTBOX_DISPATCH_EVERY_SECONDS},
    },
    # Waitlist offers: lapsed ones passed on, freed time offered (bookings.waitlist.offers).
    "waitlist-run": {
        "task": "bookings.waitlist_run",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Payments whose webhook never came asked of Stripe; unpaid bookings past their time released.
    "payments-reconcile": {
        "task": "bookings.payments_reconcile",
        "schedule": 60,
        "options": {"expires": 60},
    },
    "clear-expired-sessions": {
        "task": "clinic.clear_expired_sessions",
        "schedule": 24 * 60 * 60,
    },
    # Expire lapsed CNHC checks, then write the reminders due; 06:00 London (CELERY_TIMEZONE).
    # Both are idempotent, and their emails go out through the outbox's dispatcher.
    "registration-checks-daily": {
        "task": "therapists.registration_checks_daily",
        "schedule": crontab(hour=6, minute=0),
    },
    "registration-reminders-daily": {
        "task": "bookings.registration_reminders_daily",
        "schedule": crontab(hour=6, minute=5),
    },
    # Apply the retention periods to every client (bookings.privacy.retention); idempotent;
    # 03:30 London.
    "erase-expired-records-daily": {
        "task": "bookings.erase_expired_records_daily",
        "schedule": crontab(hour=3, minute=30),
    },
}

# Production hardening; `manage.py check --deploy` reports nothing with DEBUG off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
