"""A small client of the HTTP API (standard library only) and a served app in a subprocess:
what scripts, the crash and load tests and the benchmark drive the API with.

    with ServerProcess(dataset_root, db="labels.sqlite") as server:
        api = ApiClient(server.url, client="script-1")
        frame = api.frames()[0]
        saved = api.create(frame, {"type": "cuboid", "label": "Car", "center": [10, 2, -0.8],
                                   "size": [4, 1.8, 1.5], "yaw": 0.0})
        api.update(saved["id"], saved["version"], yaw=0.3)
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from pointlabel.errors import PointlabelError


@dataclass
class ApiResponse:
    status: int
    body: dict | None


class ApiError(PointlabelError):
    """An API answer other than the one expected: `status` and the JSON `body`."""

    def __init__(self, status: int, body: dict | None):
        super().__init__(f"HTTP {status}: {(body or {}).get('error', body)}")
        self.status, self.body = status, body


class ApiClient:
    """One client of the API (one keep-alive connection: use one client per thread)."""

    def __init__(self, base_url: str, client: str | None = None, token: str | None = None, timeout: float = 30.0):
        u = urlparse(base_url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.prefix = u.path.rstrip("/") + "/api/v1"
        self.headers = {"Content-Type": "application/json"}
        if client:
            self.headers["X-Client-Id"] = client
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body=None) -> ApiResponse:
        """One request; retried once on a dropped keep-alive connection (idempotent GETs only)."""
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self._conn.request(method, self.prefix + path, body=data, headers=self.headers)
                r = self._conn.getresponse()
                raw = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt or method != "GET":
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return ApiResponse(r.status, json.loads(raw) if raw else None)

    def _ok(self, r: ApiResponse, *expected: int) -> dict | None:
        if r.status not in expected:
            raise ApiError(r.status, r.body)
        return r.body

    def frames(self) -> list[str]:
        return self._ok(self.request("GET", "/frames"), 200)["frames"]

    def annotations(self, frame: str) -> list[dict]:
        return self._ok(self.request("GET", f"/frames/{frame}/annotations"), 200)["annotations"]

    def create(self, frame: str, body: dict) -> dict:
        """-> {"id", "version"} (sent by the server only once committed)."""
        return self._ok(self.request("POST", f"/frames/{frame}/annotations", body), 201)

    def update(self, annotation_id: str, version: int, **fields) -> dict:
        """-> {"id", "version"}; ApiError 409 (body["current"]: the stored one) when stale."""
        return self._ok(self.request("PUT", f"/annotations/{annotation_id}", {"version": version, **fields}), 200)

    def delete(self, annotation_id: str, version: int) -> None:
        self._ok(self.request("DELETE", f"/annotations/{annotation_id}?version={version}"), 204)

    def fit(self, frame: str, seed, label: str | None = None) -> dict:
        body = {"seed": [float(v) for v in seed], **({"label": label} if label else {})}
        return self._ok(self.request("POST", f"/frames/{frame}/fit", body), 200)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`pointlabel serve DATASET --db DB` in a subprocess on 127.0.0.1 and a free port;
    `start()` returns once the API answers. `kill()` is SIGKILL (no clean shutdown)."""

    token: str | None = None   # readiness is asked with it (accounts exist: anonymous is 401)
    new_session = False        # a process group of its own (a gunicorn master and its workers):
    #                            kill() ends the whole group, stop() what the master left behind
    stop_timeout = 15.0        # s a clean shutdown may take before kill()

    def __init__(self, dataset: str | Path, db: str | Path, port: int | None = None, extra_args=(),
                 log: str | Path | None = None):
        self.dataset, self.db = str(dataset), str(db)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = list(extra_args)
        self.log = Path(log) if log else None
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> "ServerProcess":
        cmd = [sys.executable, "-m", "pointlabel.cli", "serve", self.dataset, "--db", self.db,
               "--port", str(self.port), *self.extra_args]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=self.new_session)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                tail = self.log.read_text()[-2000:] if self.log and self.log.exists() else ""
                raise PointlabelError(f"the server exited with status {self.proc.returncode}: {tail}")
            try:
                r = ApiClient(self.url, token=self.token, timeout=5).request("GET", "/frames")
                if r.status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise PointlabelError(f"the server did not answer within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL: the process (with new_session, its whole group) gets no chance to flush
        or close anything."""
        if self.proc is not None and self.proc.poll() is None:
            if self.new_session:
                self._kill_group()
            else:
                self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()
            if self.new_session:
                self._kill_group()  # any worker left behind

    def _kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
