"""A throwaway PostgreSQL server for one test run: `initdb` into a temporary folder, listening on a unix
socket there only, stopped and deleted at the end. PostgreSQL refuses to run as root, so when the tests
do (as in CI) the server runs as the `postgres` user Debian's package creates."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

INSTALL = "scripts/test-needs (or: apt-get install -y postgresql)"


class PostgresMissing(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresMissing(f"PostgreSQL's server programs (initdb, pg_ctl) are not installed; run {INSTALL}")


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def throwaway_server() -> Iterator[str]:
    """A running server with an empty database; yields its URL."""
    bin_dir = _bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="protocol-bot-pg-"))
    data, socket_dir = folder / "data", folder / "socket"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(socket_dir, "postgres")
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "bot", "--no-sync", "-E", "UTF8"])
        # No TCP at all: only the socket in the temporary folder, which nothing else on the machine uses.
        options = f"-c listen_addresses='' -c unix_socket_directories='{socket_dir}' -c fsync=off"
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start"])
        try:
            url = f"postgresql://bot@/postgres?host={socket_dir}"
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute("CREATE DATABASE tests")
            yield f"postgresql://bot@/tests?host={socket_dir}"
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    """An empty database on the throwaway server, dropped afterwards; yields its URL."""
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.replace("/tests?", f"/{name}?")
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
