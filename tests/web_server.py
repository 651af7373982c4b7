"""Start the site under gunicorn, as production runs it, for tests that need a real server
(a database that stops answering, a worker process of its own)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Generous, since a loaded machine can take many seconds to import Django; a server that
# never answers still fails the test.
START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_HOST": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "filesystem://",
        "VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        **extra,
    }


def collect_static(env: dict[str, str]) -> None:
    # Production pages need the collected, hashed static files (the error pages do not).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def start_gunicorn(env: dict[str, str], port: int, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clinic.wsgi", "-b", f"127.0.0.1:{port}", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_serving(server: subprocess.Popen, port: int, path: str = "/accounts/login/") -> None:
    """Returns once ``path`` has answered: the first answer is when Django has loaded."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        assert server.poll() is None, f"gunicorn exited with {server.returncode}"
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"gunicorn did not answer {path} within {START_SECONDS} s"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=remaining).close()
            return
        except (ConnectionError, urllib.error.URLError) as error:
            if isinstance(error, urllib.error.HTTPError):
                raise
            time.sleep(0.2)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
