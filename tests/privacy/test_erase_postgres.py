"""Erasure and the privacy log on a PostgreSQL store (a real server: tests/conftest.py's
`postgres`): nothing of the erased annotations is left in any table, the audit line is there,
and the touched tables were rewritten (VACUUM FULL gives them new files)."""
from __future__ import annotations

import json

import pytest

from pointlabel.cli import main
from pointlabel.privacy import access_log
from pointlabel.privacy.db import PrivacyDB
from pointlabel.privacy.erase import Selection, digest, erase


@pytest.fixture
def pg_store(postgres, fill):
    url = postgres.create_database()
    store, erased, kept, _ = fill(url)
    return url, store, erased, kept


def _all_text(url) -> str:
    """Every text value of every table of the database, concatenated."""
    db = PrivacyDB(url)
    try:
        out = []
        for table in db.tables():
            cols = [n for n, kind in db.columns(table) if "BYTEA" not in kind]
            if cols:
                q = "SELECT " + ", ".join(f'CAST("{c}" AS TEXT)' for c in cols) + f' FROM "{table}"'
                out += [v for row in db.execute(q).fetchall() for v in row if v is not None]
        return "\n".join(out)
    finally:
        db.close()


def _filenode(url, table: str) -> int:
    db = PrivacyDB(url)
    try:
        return int(db.execute("SELECT pg_relation_filenode(?)", (table,)).fetchone()[0])
    finally:
        db.close()


def test_erase_track_on_postgresql(pg_store, secret):
    url, store, erased, kept = pg_store
    text = _all_text(url)
    assert secret in text and erased[0] in text
    node = _filenode(url, "annotations")
    report = erase(url, Selection(track=3, label_sets=("default",)), why="request 12", who="dpo")
    assert report.annotations == 4 and report.review_rows == 2
    text = _all_text(url)
    assert secret not in text and not any(a in text for a in erased)
    assert all(a in text for a in kept)
    assert _filenode(url, "annotations") != node  # rewritten: no dead rows left in its files
    (entry,) = access_log.read_log(url, action="erase")
    assert entry.who == "dpo" and sorted(entry.detail["id_sha256"]) == sorted(digest(a) for a in erased)
    assert [c.track_id for c in store.frame("000001").cuboids] == [7]


def test_access_log_and_erase_through_the_cli_on_postgresql(pg_store, kitti_root, capsys):
    url, store, erased, _ = pg_store
    assert main(["erase", str(kitti_root), "--annotation", erased[1], "--why", "typo fix", "--db", url]) == 0
    assert json.loads(capsys.readouterr().out)["annotations"] == 1
    assert main(["access-log", str(kitti_root), "--db", url, "--json"]) == 0
    (entry,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entry["action"] == "erase" and entry["why"] == "typo fix"
