"""New track ids from the database, so several server processes (`serve --workers N`) never
hand out the same one: a counter per label set in `meta` (`team.next_track.<set>`), started
at the largest track id stored and moved in a write transaction (SQLite: the write lock;
PostgreSQL: the row locked FOR UPDATE, a first insert raced by another worker retried)."""
from __future__ import annotations

import json

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from pointlabel.store.schema import meta as M


def _largest_stored(store, label_set: str) -> int:
    ids = [a.track_id for f in store.frames(label_set) for a in store.frame(f, label_set)
           if getattr(a, "track_id", None) is not None]
    return int(max(ids, default=0))


def next_track_id(store, label_set: str, at_least: int = 0) -> int:
    """A track id no process has handed out for `label_set` (and above `at_least`)."""
    key = f"team.next_track.{label_set}"
    for _ in range(5):
        with store.engine.connect() as c:
            known = c.execute(select(M.c.value).where(M.c.key == key)).first()
        start = None if known else _largest_stored(store, label_set)
        try:
            with store.write() as c:
                row = c.execute(select(M.c.value).where(M.c.key == key).with_for_update()).first()
                if row is None:
                    n = max(start or 0, at_least) + 1
                    c.execute(insert(M).values(key=key, value=json.dumps(n)))
                else:
                    n = max(int(json.loads(row.value)), at_least) + 1
                    c.execute(update(M).where(M.c.key == key).values(value=json.dumps(n)))
                return n
        except IntegrityError:  # another worker made the counter first: use it
            continue
    raise RuntimeError("could not take a track id")


def install(session) -> None:
    """Make the app session's `next_track_id` take its ids from the database."""
    def from_database() -> int:
        return next_track_id(session.store, session.label_set, at_least=session._max_track or 0)
    session.next_track_id = from_database
