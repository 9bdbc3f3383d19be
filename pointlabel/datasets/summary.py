"""What `pointlabel info` reports of a dataset: per frame its cloud, drops, fields, bounds, sync."""
from __future__ import annotations

import numpy as np

from calibration.errors import CalibrationError
from pointlabel.datasets.base import skipped_of
from pointlabel.errors import PointlabelError


def cloud_summary(cloud) -> dict:
    xyz = cloud.xyz
    bounds = ([xyz.min(0).tolist(), xyz.max(0).tolist()] if len(xyz)
              else [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    return {"points": int(len(xyz)), "dropped": dict(cloud.dropped), "fields": list(cloud.fields),
            "bounds": [[round(float(v), 4) for v in b] for b in bounds],
            "offset": [float(v) for v in np.asarray(cloud.offset, dtype=float)],
            "units": cloud.units, "grid": list(cloud.grid) if cloud.grid else None}


def dataset_summary(dataset) -> dict:
    """A JSON-able description; a bad frame is listed under `errors` and the others still load."""
    frames, errors, cameras = [], [], {}
    for fid in dataset.frame_ids:
        info = dataset.frame(fid)
        try:
            entry = {"id": fid, "file": str(info.cloud), **cloud_summary(dataset.load_cloud(fid))}
            rig = dataset.rig(fid)
            if rig is not None:
                for name, cam in rig.cameras.items():
                    cameras.setdefault(name, {"name": name, "width": cam.camera.width,
                                              "height": cam.camera.height,
                                              "distorted": cam.camera.dist is not None})
                entry["sync"] = {c: {"image": None if m.image is None else str(m.image), "dt": m.dt, "ok": m.ok}
                                 for c, m in dataset.sync(fid).items()}
            frames.append(entry)
        except (PointlabelError, CalibrationError) as e:
            errors.append({"id": fid, "file": str(info.cloud),
                           "error": e.message if getattr(e, "path", None) else str(e)})
    skipped = [{"file": str(f.path), "reason": f.reason} for f in skipped_of(dataset)]
    return {"root": str(dataset.root), "kind": dataset.kind, "frames": frames,
            "cameras": list(cameras.values()), "errors": errors, "skipped": skipped}
