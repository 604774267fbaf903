"""A real PostgreSQL for the hub's tests: Debian's server (tools/ensure-postgres.sh), on a fresh data
folder in a temporary directory, on a free local port, trust authentication (nothing secret). As root
it runs as the `postgres` user, which PostgreSQL requires."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from conftest import free_port

ROOT = Path("/usr/lib/postgresql")


def postgres_bin() -> Path | None:
    versions = sorted(ROOT.iterdir()) if ROOT.exists() else []
    found = [v / "bin" for v in versions if (v / "bin" / "postgres").exists()]
    return found[-1] if found else None


def as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a libpq URL of a running server's `postgres` database; stop it and remove the data after."""
    binaries = postgres_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL's server is not installed: run `bash tools/ensure-postgres.sh`")
    folder = Path(tempfile.mkdtemp(prefix="usage-pg-"))
    os.chmod(folder, 0o777)
    data = folder / "data"
    port = free_port()
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(
        as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        as_postgres(
            [str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder), "-h", "127.0.0.1"]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 30
        while True:  # wait for the server to accept connections
            try:
                psycopg2.connect(url).close()
                break
            except psycopg2.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not start: {server.stderr.read().decode()}") from None
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
