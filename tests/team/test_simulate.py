"""The simulated day (pointlabel.team.simulate) on a three-frame generated sequence: three
labellers and a reviewer through the real API until every task is accepted, and the team
report it produces (text and HTML with plots)."""
from __future__ import annotations


def test_a_small_simulated_day_and_its_report(tmp_path):
    from pointlabel.team.simulate import LABELLERS, run
    day = run(tmp_path / "day", frames=3, speed=600.0)
    m = day["metrics"]
    assert m["tasks"] == {"accepted": 4}
    assert set(m["people"]) >= set(LABELLERS)
    for who in LABELLERS:
        p = m["people"][who]
        assert p["objects"] > 0 and p["active_h"] > 0 and p["objects_per_h"] > 0
        assert p["tasks_submitted"] >= 1 and p["turnaround_s_median"] is not None
    assert m["time_scale"] == 600.0
    assert sum(n for _, n in m["rejection_reasons"]) > 0  # the sloppy labeller is sent back
    assert any(p.get("rework_rate") for p in m["people"].values())
    assert m["agreement"] and m["agreement"][0]["frames"] == 1
    assert "team report" in day["report"] and "agreement" in day["report"]
    html = (tmp_path / "day" / "team_report.html").read_text()
    assert html.count("js-plotly-plot") + html.count("team-fig-") >= 6
