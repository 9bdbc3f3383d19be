"""Optimistic concurrency over HTTP, on SQLite and PostgreSQL: four clients move the same box
at once, each a read-modify-write with the version it read, retrying on 409. Every move is
either applied exactly once or refused (409), never silently overwritten: the box ends exactly
where the sum of the moves puts it, at version 1 + moves."""
from __future__ import annotations

import threading

import pytest

from pointlabel.api.client import ApiClient, ApiError, ServerProcess

from .conftest import store_location

CLIENTS, MOVES = 4, 12


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_read_modify_write_loses_no_update(backend, kitti_root, tmp_path, request):
    db = store_location(backend, tmp_path, request)
    with ServerProcess(kitti_root, db, log=tmp_path / "server.log") as server:
        api = ApiClient(server.url, client="setup")
        box = api.create("000000", {"type": "cuboid", "label": "Car", "center": [10.0, 0.0, -0.8],
                                    "size": [4.0, 1.8, 1.5], "yaw": 0.0})
        conflicts, errors = [], []

        def mover(k: int) -> None:
            c = ApiClient(server.url, client=f"mover-{k}")
            try:
                for _ in range(MOVES):
                    while True:
                        (a,) = [x for x in c.annotations("000000") if x["id"] == box["id"]]
                        try:
                            c.update(box["id"], a["version"], center=[a["center"][0] + 1.0, 0.0, -0.8])
                            break
                        except ApiError as e:
                            if e.status != 409:
                                raise
                            conflicts.append(e.body["current"]["version"])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
            finally:
                c.close()
        threads = [threading.Thread(target=mover, args=(k,)) for k in range(CLIENTS)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert errors == []
        (final,) = [x for x in api.annotations("000000") if x["id"] == box["id"]]
        api.close()
    assert final["center"][0] == pytest.approx(10.0 + CLIENTS * MOVES)
    assert final["version"] == 1 + CLIENTS * MOVES
    print(f"\n{backend}: {CLIENTS * MOVES} moves applied, {len(conflicts)} stale attempts refused (409)")
