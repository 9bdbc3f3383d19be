"""The generation loop: scene -> per sweep a LiDAR sweep, ground truth and camera images.

Randomness comes from numpy generators seeded by (seed, stream, ...), so a seed always gives
the same files. One front_right frame is dropped (sweep 2) to show sync at work: that sweep
has no front_right image within tolerance, and later front_right stems are one behind.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from calibration.transforms import invert
from sample_data.camera_render import CameraRenderer, camera_time_offsets, make_rig
from sample_data.ground_truth import sweep_annotations
from sample_data.lidar_sim import LidarModel
from sample_data.plates import plates_of
from sample_data.raycast import ActorMeshes, Snapshot
from sample_data.scene import build_scene
from sample_data.writer import GENERATOR_VERSION, SequenceWriter, check_target, generated_meta

SWEEP_PERIOD = 0.1  # seconds: a 10 Hz LiDAR
SWEEP_JITTER = 0.0005  # seconds
DROPPED_CAMERA_FRAMES = {"front_right": (2,)}  # camera -> sweep indices without a frame
DEFAULT_SEED, DEFAULT_FRAMES = 0, 10


def generate_sequence(out_dir: str | Path, frames: int = DEFAULT_FRAMES, seed: int = DEFAULT_SEED,
                      progress: bool = True) -> Path:
    """Generate `frames` sweeps (10 Hz) with camera images and ground truth into `out_dir`
    (native layout, see pointlabel.datasets.native). Returns `out_dir`."""
    if frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    check_target(Path(out_dir))  # before the work, not after
    scene = build_scene(seed, duration=frames * SWEEP_PERIOD)
    actor_meshes = ActorMeshes(scene)
    rig = make_rig()
    plates = plates_of(scene.actors)
    renderers = {name: CameraRenderer(sensor, plates) for name, sensor in rig.cameras.items()}
    lidar = LidarModel()
    writer = SequenceWriter(Path(out_dir), rig, seed, frames)
    try:
        for k in tqdm(range(frames), desc="sample sequence", unit="sweep", disable=not progress):
            rng = np.random.default_rng([seed, 7, k])
            t = k * SWEEP_PERIOD + rng.uniform(-SWEEP_JITTER, SWEEP_JITTER)
            snapshot = Snapshot(scene, actor_meshes, t)
            T_world_from_lidar = scene.T_world_from_lidar(t)
            pts_lidar, intensity, actor = lidar.sweep(snapshot, T_world_from_lidar, rng)
            counts = np.bincount(actor[actor >= 0], minlength=len(scene.actors))
            gt = sweep_annotations(scene, t, writer.stem(k), counts, snapshot.poses)
            writer.sweep(k, t, pts_lidar, intensity, gt, T_world_from_lidar)
            for name, offset in camera_time_offsets(rng, rig).items():
                if k in DROPPED_CAMERA_FRAMES.get(name, ()):
                    continue
                t_cam = t + offset
                T_world_from_cam = scene.T_world_from_lidar(t_cam) @ invert(rig[name].T)
                image, _ = renderers[name].render(Snapshot(scene, actor_meshes, t_cam), T_world_from_cam)
                writer.image(name, t_cam, image)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


def cache_dir() -> Path:
    """Where generated sequences are kept: $POINTLABEL_CACHE, else ~/.cache/pointlabel."""
    env = os.environ.get("POINTLABEL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pointlabel"


def default_sequence(progress: bool = True) -> Path:
    """The demo sequence (seed 0, 10 sweeps), generated once into the cache and reused.

    A cached copy from another generator version is regenerated."""
    root = cache_dir() / f"sample-seed{DEFAULT_SEED}-{DEFAULT_FRAMES}"
    meta = generated_meta(root)
    if meta is not None and meta.get("version") == GENERATOR_VERSION and meta.get("frames") == DEFAULT_FRAMES:
        return root
    return generate_sequence(root, DEFAULT_FRAMES, DEFAULT_SEED, progress=progress)


def sequence_summary(root: str | Path) -> dict:
    """Small facts about a generated sequence (for the bench and the README): sweep count,
    mean points per sweep, size on disk in bytes."""
    root = Path(root)
    bins = sorted((root / "lidar").glob("*.bin"))
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    points = [p.stat().st_size // 16 for p in bins]
    return {"sweeps": len(bins), "points_per_sweep": float(np.mean(points)) if points else 0.0,
            "bytes": size, "generator": json.loads((root / "dataset.json").read_text()).get("generator")}
