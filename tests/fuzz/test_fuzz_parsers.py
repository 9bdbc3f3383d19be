"""Every parser, fuzzed with a modest number of inputs per CI run (benchmarks/fuzz_parsers.py
runs the same targets with 10,000+ each): nothing but PointlabelError / CalibrationError may
come out of a parser or out of using what it accepted. Crashers found are kept as literals in
tests/datasets/test_hardening.py; a failure here prints the (shrunk) input."""
import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 40


def _driver():
    spec = importlib.util.spec_from_file_location("fuzz_parsers", ROOT / "benchmarks" / "fuzz_parsers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


fuzz = _driver()
NAMES = ["bin", "pcd", "ply", "las", "kitti_calib", "rig_json", "timestamps_json", "kitti_label",
         "frame_json", "openpcdet", "api_body"]


@pytest.fixture(scope="module")
def scratch():
    s = fuzz.Scratch()
    yield s
    s.close()


@pytest.fixture(scope="module")
def targets(scratch):
    return {t.name: t for t in fuzz.targets(scratch)}


def test_every_parser_has_a_target(targets):
    assert sorted(targets) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_parser_refuses_with_our_error_or_accepts_what_works(name, targets, scratch):
    target = targets[name]
    seen = {"accepted": 0, "inputs": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def run(data):
        seen["inputs"] += 1
        seen["accepted"] += fuzz.call(target, data, scratch)

    run()
    assert seen["inputs"] >= EXAMPLES


def test_valid_seeds_are_accepted(targets, scratch):
    """The fuzz seeds themselves parse: a target that refuses everything tests nothing."""
    seeds = fuzz._cloud_seeds(scratch)
    for kind in ("pcd", "ply", "las", "bin"):
        for data in seeds[kind]:
            assert fuzz.call(targets[kind], data, scratch), kind
    assert fuzz.call(targets["kitti_calib"], fuzz.KITTI_CALIB_000008, scratch)
    import json
    assert fuzz.call(targets["rig_json"], json.dumps(fuzz.VALID_RIG), scratch)
    assert fuzz.call(targets["timestamps_json"], ('{"lidar": {"000000": 1.0}, "cameras": {"front": {"000000": 1.01}}}', None), scratch)
