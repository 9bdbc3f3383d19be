"""Server-side state of the app: an LRU cache of loaded frames.

A frame's heavy data (the point cloud, a KD-tree, the fitting context with its ground model,
the downscaled camera images, the downsampled view indices) stays here and is built lazily,
the first time something asks for it; the browser only ever receives what a view shows.
Only `capacity` frames are kept, so a long sequence costs a few frames of memory.
"""
from __future__ import annotations

import base64
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

# At import, not in a request: PIL imported by two request threads at once can be seen
# half-initialised (Dash's JSON encoder, through plotly, looks for PIL.Image.Image while the
# camera image route imports it), which fails a callback with "partially initialized module".
from PIL import Image  # noqa: F401

from pointlabel.app.sampling import downsample_to_budget, range_mask


@dataclass(frozen=True)
class CameraImage:
    """A camera image ready for display: a JPEG data URI of the downscaled image and the
    original size in pixels (projections are drawn in original pixel coordinates)."""

    uri: str
    width: int
    height: int
    shown_width: int
    shown_height: int


@dataclass(eq=False)
class FrameData:
    """One loaded frame. `xyz`: (N, 3) float32 LiDAR frame."""

    frame_id: str
    index: int
    cloud: object  # pointlabel.datasets.clouds.PointCloud
    rig: object | None  # calibration.rig.Rig
    sync: dict  # camera -> SyncMatch
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _memo: dict = field(default_factory=dict, repr=False)
    voxel_hints: dict = field(default_factory=dict, repr=False)  # shared by a cache's frames

    @property
    def xyz(self) -> np.ndarray:
        return self.cloud.xyz

    def cached(self, key, build):
        """The value memoised under `key`, built by `build()` on first use (thread-safe)."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        value = build()
        with self._lock:
            return self._memo.setdefault(key, value)

    @property
    def kdtree(self):
        """scipy cKDTree over xyz (for nearest-point queries of BEV clicks)."""
        from scipy.spatial import cKDTree
        return self.cached("kdtree2d", lambda: cKDTree(self.xyz[:, :2]))

    def fit_context(self):
        """The fitting context (ground model, object points, KD-tree) of this sweep."""
        from pointlabel.fitting.context import FrameContext
        return self.cached("fitctx", lambda: FrameContext.build(self.xyz, frame_id=self.frame_id))

    def view_indices(self, budget: int, r_min: float = 0.0, r_max: float = np.inf) -> tuple[np.ndarray, float | None]:
        """Indices of the points a view with this budget and range filter receives, and the
        voxel size used (None: no downsampling)."""
        def build():
            keep = np.flatnonzero(range_mask(self.xyz, r_min, r_max)) if (r_min > 0 or np.isfinite(r_max)) \
                else np.arange(len(self.xyz))
            key = (budget, float(r_min), float(r_max))
            sub, voxel = downsample_to_budget(self.xyz[keep], budget, start_voxel=self.voxel_hints.get(key))
            if voxel is not None:
                self.voxel_hints[key] = voxel
            return keep[sub], voxel
        return self.cached(("view", budget, float(r_min), float(r_max)), build)

    def camera_image(self, camera: str, max_width: int) -> CameraImage | None:
        match = self.sync.get(camera)
        if match is None or match.image is None:
            return None
        return self.cached(("image", camera, max_width), lambda: encode_image(match.image, max_width))

    def nearest_point_xy(self, xy) -> np.ndarray:
        """(3,) the cloud point nearest to a BEV position (x, y)."""
        _, i = self.kdtree.query(np.asarray(xy, dtype=float)[:2])
        return self.xyz[int(i)].astype(float)

    def ground_z(self, xy) -> float:
        """Ground height below (x, y) from the fitting context's ground model."""
        g = self.fit_context().ground
        return float(g.height_at(np.asarray(xy, dtype=float).reshape(1, 2))[0])


def encode_image(path, max_width: int) -> CameraImage:
    """Read an image, downscale it to at most `max_width` pixels wide, JPEG-encode it."""
    from PIL import Image
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        if w > max_width:
            im = im.resize((max_width, max(1, round(h * max_width / w))), Image.BILINEAR)
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=80)
        sw, sh = im.size
    return CameraImage("data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode(), w, h, sw, sh)


class FrameCache:
    """Thread-safe LRU of FrameData for one dataset; frames load on first use."""

    def __init__(self, dataset, capacity: int = 6):
        self.dataset = dataset
        self.capacity = capacity
        self.frame_ids = list(dataset.frame_ids)
        self._index = {f: i for i, f in enumerate(self.frame_ids)}
        self._items: OrderedDict[str, FrameData] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self._voxel_hints: dict = {}  # view -> voxel size the last sweep needed

    def index_of(self, frame_id: str) -> int:
        return self._index[frame_id]

    def get(self, frame_id: str) -> FrameData:
        with self._lock:
            if frame_id in self._items:
                self._items.move_to_end(frame_id)
                return self._items[frame_id]
            loading = self._loading.setdefault(frame_id, threading.Lock())
        with loading:  # one loader per frame; concurrent callbacks wait for it
            with self._lock:
                if frame_id in self._items:
                    return self._items[frame_id]
            data = self._load(frame_id)
            with self._lock:
                self._items[frame_id] = data
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
                self._loading.pop(frame_id, None)
        return data

    def _load(self, frame_id: str) -> FrameData:
        ds = self.dataset
        rig = ds.rig(frame_id)
        sync = ds.sync(frame_id) if rig is not None else {}
        return FrameData(frame_id, self._index[frame_id], ds.load_cloud(frame_id), rig, sync,
                         voxel_hints=self._voxel_hints)

    def loaded(self) -> list[str]:
        with self._lock:
            return list(self._items)
