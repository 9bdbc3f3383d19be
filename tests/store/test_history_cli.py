"""`pointlabel history`: the trail of changes, filtered by frame or annotation, as text or JSON."""
from __future__ import annotations

import json

from pointlabel.cli import main
from pointlabel.model import Cuboid
from pointlabel.store import AnnotationStore


def test_history_shows_who_when_what(kitti_root, tmp_path, capsys):
    db = tmp_path / "h.sqlite"
    s = AnnotationStore(db)
    a = Cuboid(center=(10, 2, -0.8), size_lwh=(4, 1.8, 1.5), yaw=0.0, track_id=3)
    b = Cuboid(center=(20, 2, -0.8), size_lwh=(4, 1.8, 1.5), yaw=0.0, label="Van")
    s.put("000008", a, author="ann", client="tab1")
    s.put("000008", a.replace(center=(10.5, 2, -0.8)), author="bob", client="tab2")
    s.put("000010", b, author="ann", client="tab1")
    s.close()
    assert main(["history", str(kitti_root), "--db", str(db)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "Van" in lines[0] and "bob (tab2)" in lines[1] and "moved 0.50 m" in lines[1]
    assert main(["history", str(kitti_root), "--db", str(db), "--frame", "000008", "--json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["author"], r["op"], r["version"]) for r in rows] == [("bob", "update", 2), ("ann", "create", 1)]
    assert main(["history", str(kitti_root), "--db", str(db), "--annotation", b.id]) == 0
    assert "Van" in capsys.readouterr().out
    assert main(["history", str(kitti_root), "--db", str(db), "--frame", "nope"]) == 2
    assert "no frame 'nope'" in capsys.readouterr().err
