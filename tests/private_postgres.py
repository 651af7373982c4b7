"""A PostgreSQL server of a test's own, on its own port, which the test may freeze (SIGSTOP)
or stop without touching anyone else's database."""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from .web_server import free_port

START_SECONDS = 60


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server installed (PG_BIN names another)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PrivatePostgres:
    """initdb into a temporary folder and run ``postgres`` on 127.0.0.1 as a process group of
    its own, so freeze() stops the server and every backend at once. PostgreSQL refuses to
    run as root: as root, it runs as the ``postgres`` user."""

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            pytest.skip("no PostgreSQL server binaries (initdb, postgres) installed; set PG_BIN")
        self.as_user: dict = {}
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
            self.as_user = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
        self.folder = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
        if self.as_user:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, name: str = "clinic") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([str(self.bin / tool), *args], check=True, capture_output=True, timeout=120, **self.as_user)

    def start(self, database: str = "clinic") -> None:
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.folder}"]
        settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self.process = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", data, "-p", str(self.port), *settings],
            start_new_session=True,
            **self.as_user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while subprocess.run([str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode:
            assert self.process.poll() is None, "postgres exited while starting"
            assert time.monotonic() < deadline, f"postgres did not start within {START_SECONDS} s"
            time.sleep(0.2)
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database)

    def _server_processes(self) -> list[int]:
        """The postmaster first, then its children. Each backend makes itself a process group
        of its own (PostgreSQL calls setsid()), so the postmaster's group alone is not all."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # The name in parentheses may hold spaces: the parent's pid is 2nd after it.
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if parent == self.process.pid:
                children.append(int(stat.parent.name))
        return [self.process.pid, *children]

    def _signal(self, number: int) -> None:
        for pid in self._server_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)

    def freeze(self) -> None:
        """Stops the server and every backend, as a stalled machine would: the operating system
        still accepts and acknowledges their connections, nothing answers."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def stop(self) -> None:
        """Thaws it first, so it can shut down: safe to call in a finally, whatever state."""
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            # SIGINT: PostgreSQL's fast shutdown (ends the sessions, does not wait for them).
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
