"""A real Dask cluster on loopback for the batch tests: `dask scheduler` and two `dask worker`
processes (one process, one thread each), on free ports of 127.0.0.1, killed at teardown;
and the generated sample sequence (sample_data, made once into the cache)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A scheduler and its workers, each a process group of its own."""

    address: str
    logs: Path
    scheduler: subprocess.Popen | None = None
    workers: dict = field(default_factory=dict)  # worker address -> Popen

    def start_worker(self) -> str:
        port, nanny = free_port(), free_port()
        address = f"tcp://127.0.0.1:{port}"
        log = open(self.logs / f"worker-{port}.log", "w")
        self.workers[address] = subprocess.Popen(
            [str(DASK), "worker", self.address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
             "--worker-port", str(port), "--nanny-port", str(nanny), "--no-dashboard",
             "--local-directory", str(self.logs)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.logs)
        return address

    def kill_worker(self, address: str) -> None:
        """SIGKILL the worker's nanny and worker process at once."""
        proc = self.workers.pop(address)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def wait_for(self, n_workers: int, timeout: float = 120.0) -> None:
        from distributed import Client
        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(n_workers, timeout=timeout)

    def stop(self) -> None:
        for proc in list(self.workers.values()) + ([self.scheduler] if self.scheduler else []):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
        self.workers.clear()


def start_cluster(logs: Path, n_workers: int = 2) -> Cluster:
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cluster = Cluster(f"tcp://127.0.0.1:{port}", logs)
    log = open(logs / "scheduler.log", "w")
    cluster.scheduler = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=logs)
    try:
        _wait_port(port)
        for _ in range(n_workers):
            cluster.start_worker()
        cluster.wait_for(n_workers)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    """A scheduler and two workers shared by the tests that do not kill any."""
    cluster = start_cluster(tmp_path_factory.mktemp("dask"))
    yield cluster
    cluster.stop()


@pytest.fixture
def own_cluster(tmp_path):
    """A scheduler and two workers of the test's own (it may kill one)."""
    cluster = start_cluster(tmp_path / "dask")
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sequence() -> Path:
    """The generated sample sequence (10 sweeps, three cameras, ground truth and poses)."""
    import sample_data
    return sample_data.default_sequence(progress=False)
