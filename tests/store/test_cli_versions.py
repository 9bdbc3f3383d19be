"""The CLI's writers carry the versions they read too: a pre-label run does not delete a
proposal that a labeller accepted between its read and its write (the write is refused, one
clear error, and the accepted box stays)."""
from __future__ import annotations

import pytest

from pointlabel.fitting.prelabel import write_proposals
from pointlabel.model import STATUS_CONFIRMED, STATUS_PROPOSAL, Cuboid
from pointlabel.store import AnnotationStore, VersionConflict


def test_prelabel_does_not_delete_a_proposal_accepted_meanwhile(db_url):
    store = AnnotationStore(db_url)
    old = Cuboid(center=(10, 0, -0.8), size_lwh=(4, 1.8, 1.5), yaw=0.0, status=STATUS_PROPOSAL, source="prelabel")
    store.put("f0", old, author="prelabel")
    read = store.frame_state

    def read_then_someone_accepts(frame_id, label_set="default"):
        state = read(frame_id, label_set)
        store.put("f0", old.replace(status=STATUS_CONFIRMED), author="ann", client="tab")
        return state
    store.frame_state = read_then_someone_accepts
    fresh = Cuboid(center=(30, 5, -0.8), size_lwh=(4, 1.8, 1.5), yaw=0.0, status=STATUS_PROPOSAL, source="prelabel")
    with pytest.raises(VersionConflict, match="changed by someone else"):
        write_proposals(store, "f0", [fresh])
    kept = store.frame("f0").cuboids
    assert [(c.id, c.status) for c in kept] == [(old.id, STATUS_CONFIRMED)]
    store.close()
