"""Audit sampling (stratified, proportional, reproducible) and the Wilson interval, by hand."""
from __future__ import annotations

import math
from collections import Counter

import pytest

from pointlabel.qa.audit import (AuditItem, AuditSample, decide, draw_sample, error_rates,
                                 wilson_interval)


def items(label, level, n):
    return [AuditItem(f"{i:06d}", f"{label}-{level}-{i}", label, level) for i in range(n)]


POP = items("Car", "easy", 30) + items("Car", "hard", 5) + items("Pedestrian", "moderate", 12)


def test_every_stratum_gives_ceil_share_times_its_size():
    s = draw_sample(POP, share=0.1, seed=1)
    # ceil(0.1 * 30) = 3, ceil(0.1 * 5) = 1, ceil(0.1 * 12) = 2
    assert Counter((i.label, i.difficulty) for i in s.items) == {("Car", "easy"): 3, ("Car", "hard"): 1,
                                                                 ("Pedestrian", "moderate"): 2}
    assert s.population == {"Car/easy": 30, "Car/hard": 5, "Pedestrian/moderate": 12}
    assert len({i.annotation for i in s.items}) == len(s.items)


def test_the_same_seed_draws_the_same_sample_and_another_one_does_not():
    a, b, c = draw_sample(POP, 0.2, seed=7), draw_sample(POP, 0.2, seed=7), draw_sample(POP, 0.2, seed=8)
    assert a.items == b.items != c.items
    assert AuditSample.from_dict(a.to_dict()).items == a.items
    with pytest.raises(ValueError):
        draw_sample(POP, 0.0)


def test_wilson_interval_hand_worked():
    # k = 2, n = 10, z = 1.96: p = 0.2, z^2/n = 0.38416
    # centre = (0.2 + 0.19208) / 1.38416 = 0.283262; half = 1.96 / 1.38416 * sqrt(0.016 + 0.009604)
    # = 1.416022 * 0.160012 = 0.226581 -> [0.05668, 0.50984]
    lo, hi = wilson_interval(2, 10)
    assert lo == pytest.approx(0.05668, abs=1e-5) and hi == pytest.approx(0.50984, abs=1e-5)
    # no error in 20: the interval still allows up to 16.1 % (z^2 / (n + z^2) = 3.8416 / 23.8416)
    lo, hi = wilson_interval(0, 20)
    assert lo == 0.0 and hi == pytest.approx(3.8416 / 23.8416)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_error_rates_per_class_and_the_decision():
    s = draw_sample(POP, share=1.0, seed=0)  # everything sampled
    cars = [i.annotation for i in s.items if i.label == "Car"]
    verdicts = {a: "accepted" for a in cars}
    verdicts.update({cars[0]: "rejected", cars[1]: "rejected"})  # 2 of 35 cars wrong
    peds = [i.annotation for i in s.items if i.label == "Pedestrian"][:10]
    verdicts.update({a: "rejected" for a in peds[:5]} | {a: "accepted" for a in peds[5:]})
    rates = error_rates(s, verdicts)
    car = rates["Car"]
    assert (car.population, car.sampled, car.reviewed, car.rejected) == (35, 35, 35, 2)
    assert car.rate == pytest.approx(2 / 35)
    assert (car.low, car.high) == pytest.approx(wilson_interval(2, 35))
    ped = rates["Pedestrian"]
    assert (ped.reviewed, ped.rejected, ped.rate) == (10, 5, 0.5)
    d = decide(rates, max_error=0.2)
    assert d == {"Car": "accept", "Pedestrian": "send back"}  # car CI [0.016, 0.186]; ped low 0.237
    assert decide(rates, max_error=0.1)["Car"] == "review more"
    assert math.isnan(error_rates(s, {})["Car"].rate)
