"""Dask orchestration of a batch job: a client on a local cluster or an existing scheduler,
frames submitted through a bounded window, results streamed into the store and the job table.

    with DaskClient(scheduler=None, workers=2) as clients:
        summary = run_job(clients, work, frame_ids, table, job)

At most `window` frames are in flight at once (submitted, running, or finished and not yet
read): as each finishes, the next is submitted (distributed.as_completed), so the client's
memory does not grow with the number of frames. Results are handed to `work.commit` in batches
of `batch_size` frames (or every `flush_seconds`), which writes them to the store and marks
them done in one job-table transaction; a frame whose task raises is recorded as failed with
its error and the job goes on. A worker that dies mid-task has its tasks rerun elsewhere by the
scheduler; the client still receives one result per frame, so nothing is written twice.
"""
from __future__ import annotations

import logging
import os
import sys
import time
import uuid
import warnings
from concurrent.futures import CancelledError
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pointlabel.batch.jobs import DONE, FAILED, Job, JobTable, Outcome, error_text
from pointlabel.errors import PointlabelError


KEEP_FAILURES = 100  # failures a summary lists (the job table has every one)


class Work(Protocol):
    """What a batch command does per frame (worker side) and with each result (client side)."""

    command: str

    def task(self, frame_id: str) -> tuple[Callable, tuple]:
        """The top-level function and arguments a worker runs for one frame."""

    def commit(self, table: JobTable, job: Job, results: list[tuple[str, Any]]) -> list[Outcome]:
        """Write a batch of (frame, result) where they belong; returns the frames' outcomes
        (already recorded in `table`)."""

    def resolve_pending(self, table: JobTable, job: Job) -> None:
        """Settle frames a killed run left between the store's write and `done`."""


@dataclass
class BatchSummary:
    """What a run did: frames selected, skipped (done before), done and failed in this run,
    failed and not retried, and the seconds the frames took."""

    command: str
    job: str
    selected: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    left_failed: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)  # (frame, error) of this run

    @property
    def frames_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    def lines(self, show_failures: int = 20) -> list[str]:
        out = [f"{self.command}: {self.done} frames done, {self.failed} failed in {self.seconds:.1f} s "
               f"({self.frames_per_second:.2f} frames/s); {self.skipped} done before, skipped; "
               f"{self.selected} selected (job {self.job})"]
        for fid, err in self.failures[:show_failures]:
            out.append(f"  failed {fid}: {err}")
        if self.failed > show_failures:
            out.append(f"  ... and {self.failed - show_failures} more failed frames (all in the job table)")
        if self.left_failed:
            out.append(f"  {self.left_failed} frames failed in an earlier run and were not retried "
                       f"(--retry-failed)")
        return out


class DaskClient:
    """A distributed Client started on first use (a rerun with nothing left to do starts
    nothing): on the scheduler at `scheduler` (tcp://host:port), or on a new LocalCluster of
    `workers` processes with one thread each; or an existing `client`. Closes what it started."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, client=None):
        self.scheduler, self.workers = scheduler, workers
        self._client, self._cluster, self._own = client, None, client is None

    def get(self):
        if self._client is None:
            self._client = self._start()
        return self._client

    def _start(self):
        from distributed import Client, LocalCluster
        if self.scheduler:
            try:
                return Client(self.scheduler, timeout="15s")
            except (OSError, TimeoutError) as e:
                raise PointlabelError(f"cannot reach the Dask scheduler at {self.scheduler} "
                                      f"({error_text(e)})") from None
        # the local workers inherit this: their shutdown chatter (heartbeats to a closed
        # scheduler) is not the user's business; task errors reach the client as exceptions
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        with warnings.catch_warnings():  # no dashboard; its HTTP port taken is no news either
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            self._cluster = LocalCluster(n_workers=self.workers or default_workers(), threads_per_worker=1,
                                         processes=True, dashboard_address=None, silence_logs=logging.CRITICAL)
        return Client(self._cluster)

    def close(self) -> None:
        if self._own and self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_job(clients: DaskClient, work: Work, frame_ids: Sequence[str], table: JobTable, job: Job,
            retry_failed: bool = False, window: int | None = None, batch_size: int = 32,
            flush_seconds: float = 2.0, progress: bool = True) -> BatchSummary:
    """Run `work` over `frame_ids` (skipping those done before, and failed ones unless
    `retry_failed`). window: frames in flight at once (default 4 per worker thread)."""
    summary = BatchSummary(work.command, job.id, selected=len(frame_ids))
    work.resolve_pending(table, job)
    status = table.statuses(job.id, frame_ids)
    todo = [f for f in frame_ids if status.get(f) != DONE and (retry_failed or status.get(f) != FAILED)]
    summary.skipped = sum(1 for f in frame_ids if status.get(f) == DONE)
    summary.left_failed = 0 if retry_failed else sum(1 for f in frame_ids if status.get(f) == FAILED)
    if not todo:
        return summary
    client = clients.get()
    window = window or max(2, 4 * sum(client.nthreads().values() or [1]))
    t0 = time.perf_counter()
    _stream(client, work, todo, table, job, window, batch_size, flush_seconds, progress, summary)
    summary.seconds = time.perf_counter() - t0
    return summary


def _stream(client, work, todo, table, job, window, batch_size, flush_seconds, progress, summary) -> None:
    from distributed import as_completed
    from tqdm import tqdm
    frames = iter(todo)
    in_flight: dict[str, tuple[str, Any]] = {}  # future key -> (frame, future)
    results: list[tuple[str, Any]] = []
    failures: list[Outcome] = []
    last_flush = time.monotonic()

    def submit(ac) -> None:
        """Submit the next frame (a frame whose task cannot even be built fails here)."""
        for fid in frames:
            try:
                fn, args = work.task(fid)
            except PointlabelError as e:
                failures.append(Outcome(fid, FAILED, error=error_text(e)))
                bar.update(1)
                continue
            fut = client.submit(fn, *args, key=f"{work.command}-{fid}-{uuid.uuid4().hex[:12]}", pure=False)
            in_flight[fut.key] = (fid, fut)
            ac.add(fut)
            return

    def flush() -> None:
        nonlocal results, failures, last_flush
        outcomes = work.commit(table, job, results) if results else []
        table.record(job.id, failures)
        for o in outcomes + failures:
            if o.status == DONE:
                summary.done += 1
            else:
                summary.failed += 1
                if len(summary.failures) < KEEP_FAILURES:  # all of them are in the job table
                    summary.failures.append((o.frame, o.error))
        results, failures, last_flush = [], [], time.monotonic()

    bar = tqdm(total=len(todo), desc=work.command, unit="frame", disable=not progress, file=sys.stderr,
               dynamic_ncols=True)
    ac = as_completed()
    try:
        for _ in range(window):
            submit(ac)
        for fut in ac:
            fid, _ = in_flight.pop(fut.key)
            try:
                results.append((fid, fut.result()))
            except CancelledError:  # not the frame's fault: the scheduler went away
                raise PointlabelError(f"lost the Dask scheduler after {summary.done + len(results)} frames; "
                                      f"run the same command again to go on") from None
            except Exception as e:  # the frame's error (or KilledWorker): recorded, the job goes on
                failures.append(Outcome(fid, FAILED, error=error_text(e)))
            fut.release()
            del fut
            submit(ac)
            bar.update(1)
            if len(results) + len(failures) >= batch_size or time.monotonic() - last_flush > flush_seconds:
                flush()
                bar.set_postfix(failed=summary.failed, refresh=False)
    finally:
        flush()  # what was received is kept, also when interrupted
        bar.close()
        if in_flight:  # interrupted: nothing more to compute for this client
            client.cancel([f for _, f in in_flight.values()])
            in_flight.clear()
