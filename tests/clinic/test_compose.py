"""docker-compose.yml is valid and gives every service the variables the settings read."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = {"web", "worker", "dispatcher", "beat"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "clinic" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source))


def test_it_validates_against_the_compose_specification():
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_the_production_shape_with_health_checks():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "dispatcher", "beat"}
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name, service in services.items():
        assert service["healthcheck"]["test"], f"{name} has no health check"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_app_services_set_only_variables_the_settings_read_and_all_required_ones():
    services = compose()["services"]
    read = variables_read_by_settings()
    required_in_production = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST", "DATABASE_URL", "CELERY_BROKER_URL"}
    assert required_in_production <= read
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) <= read, f"{name} sets variables the settings never read"
        assert required_in_production <= set(environment), f"{name} misses a required variable"
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")


def test_the_web_app_trusts_its_one_proxy_and_is_reached_only_through_it():
    web = compose()["services"]["web"]

    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    # Reachable from outside, a client could forge the address the login limits count.
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])


def test_the_outbox_dispatcher_has_a_worker_of_its_own_that_sends_nothing():
    # Behind thousands of send tasks in one queue, the dispatch that brings a crashed
    # worker's emails back waited minutes (issue 27).
    from django.conf import settings

    services = compose()["services"]
    queue = settings.CELERY_TASK_ROUTES["bookings.dispatch_outbound_emails"]["queue"]

    def consumes(name: str) -> str:
        command = services[name]["command"]
        return command[command.index("-Q") + 1]

    assert consumes("dispatcher") == queue
    assert consumes("worker") == settings.CELERY_TASK_DEFAULT_QUEUE != queue
