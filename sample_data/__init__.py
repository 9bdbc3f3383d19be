"""A generated multi-sensor driving sequence: the demo data and the ground truth that the
fitting, QA and performance work is measured against.

`generate_sequence(out_dir, frames, seed)` writes a sequence in the native layout
(pointlabel.datasets.native): a 64-beam LiDAR at 10 Hz, three cameras (one with lens
distortion, each with its own clock offset), the rig, timestamps, and per sweep the ground
truth (cuboids with class and track id, lane lines and curbs) under reference/.
`default_sequence()` is the demo's: seed 0, 10 sweeps, generated once into `cache_dir()`
(too big to ship: 10 sweeps of ~125k points are ~20 MB). `make_contact_sheet` draws one
frame: LiDAR bird's-eye view and every camera with the projected ground-truth boxes.

Modules: scene (road, actors, trajectories), meshes (object models), raycast (the scene at one
instant), lidar_sim, camera_render (rig and images), ground_truth, writer, generate,
contact_sheet.
"""
from sample_data.contact_sheet import make_contact_sheet
from sample_data.generate import cache_dir, default_sequence, generate_sequence

__all__ = ["generate_sequence", "default_sequence", "cache_dir", "make_contact_sheet"]
