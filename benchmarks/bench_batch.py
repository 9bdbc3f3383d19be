"""Batch benchmarks: rows for the `pointlabel bench` table.

Run alone: `python benchmarks/bench_batch.py [SWEEPS]` (default 200; `POINTLABEL_BENCH_BATCH_SWEEPS`
sets it for `pointlabel bench`). On a generated sequence (sample_data, seed 0, SWEEPS sweeps of
~125k points, made once into the cache: it takes minutes), `pointlabel batch prelabel` runs as
a user runs it against a cluster: a `dask scheduler` and 1, then 2, `dask worker` processes
(one thread each) on 127.0.0.1, the client a process of its own (`--scheduler`), so its peak
memory (ru_maxrss from wait4) and CPU time are its alone. Frames per second come from the
client's summary (the frames' loop, cluster start-up excluded). A shorter run on the first
quarter of the frames shows whether the client's memory grows with the number of frames.

From these: the estimate for 300k sweeps on 50 workers (see the README): per-worker rate x 50,
unless the client (its CPU time per frame: receiving, writing the store, the job table) is the
narrower pipe.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

BIN = Path(sys.executable).parent
SWEEPS = int(os.environ.get("POINTLABEL_BENCH_BATCH_SWEEPS", "200"))
TARGET_SWEEPS, TARGET_WORKERS = 300_000, 50


def sequence(sweeps: int) -> Path:
    import sample_data
    root = sample_data.cache_dir() / f"bench-batch-seed0-{sweeps}"
    if not (root / "dataset.json").is_file():
        sample_data.generate_sequence(root, frames=sweeps, seed=0, progress=True)
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(cmd, logs: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=open(logs / f"{name}.log", "w"), stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=logs)


def _cluster(n_workers: int, logs: Path) -> tuple[str, list[subprocess.Popen]]:
    from distributed import Client
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                    logs, "scheduler")]
    for i in range(n_workers):
        procs.append(_start([str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
                             "--nthreads", "1", "--no-dashboard", "--local-directory", str(logs)], logs, f"worker{i}"))
    deadline = time.monotonic() + 120
    while True:
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(n_workers, timeout=120)
            return address, procs
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise


def _stop(procs) -> None:
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def run_client(root: Path, address: str, db: Path, frames: str | None = None) -> dict:
    """`pointlabel batch prelabel` as a process of its own: frames/s, wall s, peak MB, CPU s."""
    cmd = [str(BIN / "pointlabel"), "batch", "prelabel", str(root), "--scheduler", address, "--db", str(db),
           "--no-progress"] + (["--frames", frames] if frames else [])
    out = tempfile.TemporaryFile("w+")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read()
    m = re.search(r"(\d+) frames done, (\d+) failed in ([\d.]+) s \(([\d.]+) frames/s\)", text)
    if proc.returncode != 0 or m is None:
        raise RuntimeError(f"batch prelabel failed ({proc.returncode}): {text[-500:]}")
    return {"done": int(m[1]), "seconds": float(m[3]), "fps": int(m[1]) / float(m[3]), "wall": wall,
            "peak_mb": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}


def measure(sweeps: int | None = None) -> dict:
    sweeps = sweeps or SWEEPS
    root = sequence(sweeps)
    ids = sorted(p.stem for p in (root / "lidar").iterdir())
    quarter = f"{ids[0]}:{ids[max(0, len(ids) // 4 - 1)]}"
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in (1, 2):
            logs = tmp / f"w{n}"
            logs.mkdir()
            address, procs = _cluster(n, logs)
            try:
                if n == 2:
                    runs["quarter"] = run_client(root, address, tmp / "quarter.sqlite", quarter)
                runs[n] = run_client(root, address, tmp / f"w{n}.sqlite")
            finally:
                _stop(procs)
    return {"sweeps": sweeps, "quarter_frames": len(ids) // 4, **{str(k): v for k, v in runs.items()}}


def client_cpu_per_frame(full: dict, quarter: dict) -> float:
    """The client's CPU seconds per extra frame (start-up and connecting cancel out)."""
    return max(full["cpu"] - quarter["cpu"], 1e-9) / max(full["done"] - quarter["done"], 1)


def estimate(one: dict, two: dict, quarter: dict) -> dict:
    """Hours for TARGET_SWEEPS on TARGET_WORKERS: workers at the measured one-worker rate,
    unless the client's CPU per frame caps the rate lower."""
    per_worker = one["fps"]
    client_cap = 1.0 / client_cpu_per_frame(two, quarter)  # frames per client-CPU-second
    rate = min(TARGET_WORKERS * per_worker, client_cap)
    return {"per_worker": per_worker, "client_cap": client_cap, "rate": rate,
            "hours": TARGET_SWEEPS / rate / 3600}


def bench_rows() -> list[tuple[str, float, str]]:
    r = measure()
    one, two, quarter = r["1"], r["2"], r["quarter"]
    est = estimate(one, two, quarter)
    n = r["sweeps"]
    return [
        (f"batch prelabel, {n} generated sweeps, 1 worker (scheduler + workers on loopback)", one["fps"], "frames/s"),
        (f"batch prelabel, {n} sweeps, 2 workers", two["fps"], "frames/s"),
        ("batch prelabel, 2 workers / 1 worker (same run, 2 shared cores)", two["fps"] / one["fps"], "x"),
        (f"batch prelabel, {n} sweeps, wall time 1 / 2 workers (incl. connecting)", one["wall"], "s"),
        ("  ... 2 workers", two["wall"], "s"),
        (f"batch client peak memory, {n} sweeps (2 workers)", two["peak_mb"], "MB"),
        (f"batch client peak memory, {r['quarter_frames']} sweeps (2 workers)", quarter["peak_mb"], "MB"),
        ("batch client CPU per frame (receive, write store + job table)", 1000 * client_cpu_per_frame(two, quarter), "ms"),
        ("  ... so one client keeps up with", est["client_cap"], "frames/s"),
        (f"estimate: {TARGET_SWEEPS // 1000}k sweeps on {TARGET_WORKERS} workers "
         f"(min(50 x 1-worker rate, client))", est["hours"], "h"),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        SWEEPS = int(sys.argv[1])
    for name, value, unit in bench_rows():
        print(f"{name:<80} {value:10.3f} {unit}")
