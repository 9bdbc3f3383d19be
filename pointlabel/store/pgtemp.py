"""A throwaway PostgreSQL server in a temporary folder (tests, benchmarks, trying the store).

Uses Debian's `postgresql` package (binaries in /usr/lib/postgresql/<version>/bin): `initdb`
a cluster with trust authentication, `pg_ctl start` it on 127.0.0.1 and a free port,
`stop()` removes it. PostgreSQL refuses to run as root: as root the cluster belongs to the
`postgres` system user (created by the Debian package) and its commands run through
`runuser -u postgres`.

    with TempPostgres() as pg:
        url = pg.create_database("mytest")   # postgresql://postgres@127.0.0.1:PORT/mytest
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from pointlabel.errors import PointlabelError


def pg_bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise PointlabelError("PostgreSQL is not installed (Debian package 'postgresql'; scripts/setup.sh installs it)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:`port`."""

    def __init__(self, base: str | Path | None = None):
        self.bin = pg_bin_dir()
        self.root_user = os.geteuid() == 0
        self.user = "postgres" if self.root_user else pwd.getpwuid(os.geteuid()).pw_name
        self.folder = Path(tempfile.mkdtemp(prefix="pointlabel-pg-", dir=base))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.root_user:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise PointlabelError(f"{args[0]} failed: {r.stderr.strip() or r.stdout.strip()} {log}")
        return r

    def start(self) -> "TempPostgres":
        if self.root_user:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PointlabelError("running as root needs the 'postgres' user (Debian package 'postgresql')") from None
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        for attempt in range(3):  # a free port can be taken by someone else before the server binds it
            opts = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                    "-c shared_buffers=32MB")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "-t", "60", "start")
                break
            except PointlabelError:
                if attempt == 2:
                    raise
                self.port = _free_port()
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL."""
        import psycopg
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except (PointlabelError, subprocess.TimeoutExpired):
                pass
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "TempPostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
