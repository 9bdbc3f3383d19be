"""Redaction of faces and licence plates in camera images: detection and an irreversible blur.

Regions come from three sources (SOURCES), all as `Redaction2D` in the image's pixels:
- "detector": OpenCV's Haar cascades that ship inside opencv-python-headless
  (`cv2.data.haarcascades`: frontal faces, profile faces both ways, Russian-style plates);
  nothing is downloaded;
- "boxes": heads and plate zones of the frame's 3D boxes (pointlabel.privacy.regions);
- "drawn": the frame's stored 2D redact annotations for that camera.

`obscure` makes a region unrecoverable: the region is pixelated to at most BLOCKS blocks
across its longer side (each block the mean of its pixels: many pixels to one number, which
nothing can invert), then blurred with a Gaussian of about one block so the block edges
carry no detail either. No detail finer than a sixth of the region survives. Only pixels
inside a region change; the rest of the array is untouched, so a PNG re-encoded losslessly
decodes to the same pixels outside the regions (JPEG cannot promise that: it is re-encoded
at JPEG_QUALITY).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from pointlabel.errors import PointlabelError
from pointlabel.model import Redaction2D
from pointlabel.privacy.regions import box_regions, drawn_regions

SOURCES = ("detector", "boxes", "drawn")
BLOCKS = 6  # blocks across the longer side of a region
JPEG_QUALITY = 95


@dataclass(frozen=True)
class DetectorConfig:
    """How the cascades run (OpenCV's detectMultiScale parameters) and how much a detection
    is grown, as shares of its width / height, to cover a whole head or plate."""

    scale_factor: float = 1.1
    face_neighbours: int = 4
    profile_neighbours: int = 5
    plate_neighbours: int = 4
    min_face_px: int = 20
    # the cascades' 20 px window misses many faces of 20-32 px: one more frontal pass over the
    # image enlarged SMALL_FACE_UPSCALE times finds them (about +15 % time)
    small_faces: bool = True
    min_plate_px: tuple[int, int] = (30, 10)
    # a face detection covers eyes to mouth: grow it to hair, ears and chin
    face_grow: tuple[float, float, float, float] = (0.25, 0.45, 0.25, 0.35)  # left, top, right, bottom
    plate_grow: tuple[float, float, float, float] = (0.10, 0.20, 0.10, 0.20)


FACE_CASCADES = ("haarcascade_frontalface_alt2.xml", "haarcascade_profileface.xml")
SMALL_FACE_UPSCALE, SMALL_FACE_MAX_PX = 1.5, 32
PLATE_CASCADE = "haarcascade_russian_plate_number.xml"


@lru_cache(maxsize=None)
def _cascade(name: str):
    import cv2
    path = Path(cv2.data.haarcascades) / name
    c = cv2.CascadeClassifier(str(path))
    if c.empty():
        raise PointlabelError("cannot load OpenCV's bundled cascade (is opencv-python-headless installed?)", path)
    return c


def _grey(rgb: np.ndarray) -> np.ndarray:
    import cv2
    g = rgb if rgb.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)
    if g.dtype != np.uint8:
        g = (g.astype(float) * 255.0 / max(float(g.max()), 1.0)).astype(np.uint8)
    return cv2.equalizeHist(g)


def _grown(rects, grow, w: int, h: int) -> list[tuple[float, float, float, float]]:
    out = []
    for x, y, rw, rh in rects:
        l, t = max(x - grow[0] * rw, 0), max(y - grow[1] * rh, 0)
        r, b = min(x + rw * (1 + grow[2]), w - 1), min(y + rh * (1 + grow[3]), h - 1)
        out.append((float(l), float(t), float(r), float(b)))
    return out


def detect(rgb: np.ndarray, camera: str, config: DetectorConfig = DetectorConfig()) -> list[Redaction2D]:
    """Faces (frontal; profile looking either way) and plates the bundled cascades find."""
    g = _grey(rgb)
    h, w = g.shape
    cf = config
    found: list[Redaction2D] = []

    def run(cascade, img, neighbours, min_size):
        r = _cascade(cascade).detectMultiScale(img, scaleFactor=cf.scale_factor, minNeighbors=neighbours,
                                               minSize=min_size)
        return [tuple(map(int, x)) for x in (r if len(r) else [])]

    faces = run(FACE_CASCADES[0], g, cf.face_neighbours, (cf.min_face_px,) * 2)
    if cf.small_faces:
        import cv2
        k = SMALL_FACE_UPSCALE
        big = cv2.resize(g, None, fx=k, fy=k, interpolation=cv2.INTER_LINEAR)
        small = _cascade(FACE_CASCADES[0]).detectMultiScale(
            big, scaleFactor=cf.scale_factor, minNeighbors=cf.face_neighbours,
            minSize=(int(cf.min_face_px * k),) * 2, maxSize=(int(SMALL_FACE_MAX_PX * k),) * 2)
        faces += [tuple(int(round(v / k)) for v in r) for r in (small if len(small) else [])]
    profiles = run(FACE_CASCADES[1], g, cf.profile_neighbours, (cf.min_face_px,) * 2)
    mirrored = run(FACE_CASCADES[1], np.ascontiguousarray(g[:, ::-1]), cf.profile_neighbours, (cf.min_face_px,) * 2)
    profiles += [(w - x - rw, y, rw, rh) for x, y, rw, rh in mirrored]
    for box in _grown(faces, cf.face_grow, w, h):
        found.append(Redaction2D(camera, box_xyxy=box, label="face", source="auto:haar-frontal"))
    for box in _grown(profiles, cf.face_grow, w, h):
        found.append(Redaction2D(camera, box_xyxy=box, label="face", source="auto:haar-profile"))
    for box in _grown(run(PLATE_CASCADE, g, cf.plate_neighbours, cf.min_plate_px), cf.plate_grow, w, h):
        found.append(Redaction2D(camera, box_xyxy=box, label="plate", source="auto:haar-plate"))
    return found


# -- the blur ------------------------------------------------------------------------------
def region_mask(region: Redaction2D, width: int, height: int):
    """(x0, y0, x1, y1) pixel slice bounds and a (y1-y0, x1-x0) bool mask of the region, or
    None outside the image. A pixel is in when its centre is (box edges rounded outwards)."""
    l, t, r, b = region.bounds
    x0, y0 = max(int(np.floor(l)), 0), max(int(np.floor(t)), 0)
    x1, y1 = min(int(np.ceil(r)) + 1, width), min(int(np.ceil(b)) + 1, height)
    if x1 <= x0 or y1 <= y0:
        return None
    if region.polygon is None:
        return x0, y0, x1, y1, np.ones((y1 - y0, x1 - x0), bool)
    import cv2
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = np.round((np.asarray(region.polygon) - [x0, y0]) * 16).astype(np.int32)  # 4 fractional bits
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=4)
    return x0, y0, x1, y1, mask.astype(bool)


def union_mask(regions, width: int, height: int) -> np.ndarray:
    """(height, width) bool: the pixels inside any of the regions (`region_mask` each)."""
    mask = np.zeros((height, width), bool)
    for region in regions:
        m = region_mask(region, width, height)
        if m:
            x0, y0, x1, y1, inside = m
            mask[y0:y1, x0:x1] |= inside
    return mask


def obscure(image: np.ndarray, regions) -> np.ndarray:
    """A copy of `image` ((H, W) or (H, W, C), uint8 or uint16) with every region made
    unrecoverable (see the module docstring); pixels outside all regions are unchanged."""
    import cv2
    out = np.array(image, copy=True)
    H, W = out.shape[:2]
    top = float(np.iinfo(out.dtype).max) if out.dtype.kind in "ui" else 1.0
    for region in regions:
        m = region_mask(region, W, H)
        if m is None:
            continue
        x0, y0, x1, y1, mask = m
        crop = out[y0:y1, x0:x1].astype(np.float32)
        h, w = mask.shape
        block = max(1, int(np.ceil(max(h, w) / BLOCKS)))
        small = cv2.resize(crop, (max(1, -(-w // block)), max(1, -(-h // block))), interpolation=cv2.INTER_AREA)
        coarse = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
        coarse = cv2.GaussianBlur(coarse, (0, 0), sigmaX=0.8 * block, borderType=cv2.BORDER_REFLECT)
        blurred = np.clip(np.round(coarse.reshape(crop.shape)), 0, top).astype(out.dtype)
        out[y0:y1, x0:x1][mask] = blurred[mask]
    return out


# -- regions of a frame, and the export hook ------------------------------------------------
@dataclass
class RedactionStats:
    images: int = 0
    regions: dict = field(default_factory=dict)  # "<label>:<source>" -> count
    seconds: float = 0.0

    def add(self, regions, seconds: float) -> None:
        self.images += 1
        self.seconds += seconds
        for r in regions:
            key = f"{r.label}:{r.source}"
            self.regions[key] = self.regions.get(key, 0) + 1

    def to_dict(self) -> dict:
        return {"images": self.images, "regions": dict(sorted(self.regions.items())),
                "ms_per_image": round(1000 * self.seconds / self.images, 1) if self.images else None}


class Redactor:
    """Finds and blurs the regions of a dataset's camera images.

    `labels`: anything with `.frame(frame_id) -> FrameAnnotations` (a store, a label set)
    whose cuboids give the "boxes" regions and whose redactions the "drawn" ones; `drawn`:
    another such source of drawn regions (e.g. the store when `labels` is the dataset's
    reference). Calling it, `redactor(frame_id, camera, pixels)`, returns the redacted
    array: the hook of `export_kitti(..., redact=)` and of the app's redacted view."""

    def __init__(self, dataset, labels=None, sources=SOURCES, config: DetectorConfig = DetectorConfig(),
                 drawn=None):
        unknown = set(sources) - set(SOURCES)
        if unknown or not sources:
            raise PointlabelError(f"redaction sources are {', '.join(SOURCES)}; got {', '.join(sources) or 'none'}")
        if labels is None and set(sources) & {"boxes", "drawn"}:
            raise PointlabelError("regions from boxes or drawn regions need the annotations (a store)")
        self.dataset, self.labels, self.sources, self.config = dataset, labels, tuple(sources), config
        self.drawn = drawn if drawn is not None and drawn is not labels else None
        self.stats = RedactionStats()

    def regions(self, frame_id: str, camera: str, pixels: np.ndarray | None = None) -> list[Redaction2D]:
        """The regions of one camera image of a frame (the detector runs only given pixels)."""
        out: list[Redaction2D] = []
        if "detector" in self.sources and pixels is not None:
            out += detect(pixels, camera, self.config)
        if self.labels is None:
            return out
        anns = self.labels.frame(frame_id)
        if "boxes" in self.sources:
            rig = self.dataset.rig(frame_id)
            if rig is not None and camera in rig.cameras:
                out += box_regions(anns, rig[camera])
        if "drawn" in self.sources:
            out += drawn_regions(anns, camera)
            if self.drawn is not None:
                seen = {r.id for r in out}
                out += [r for r in drawn_regions(self.drawn.frame(frame_id), camera) if r.id not in seen]
        return out

    def __call__(self, frame_id: str, camera: str, pixels: np.ndarray) -> np.ndarray:
        t0 = time.perf_counter()
        regions = self.regions(frame_id, camera, pixels)
        out = obscure(pixels, regions)
        self.stats.add(regions, time.perf_counter() - t0)
        return out


def redacted_view(dataset, labels, frame_id: str, camera: str, rgb: np.ndarray,
                  sources=("boxes", "drawn")) -> np.ndarray:
    """The app's "redacted view" of one camera image (no detector by default: it costs about a
    second per image; pass sources=SOURCES for it)."""
    return Redactor(dataset, labels, sources)(frame_id, camera, rgb)


def check_redact_export(fmt: str, copy_data: bool, redact: bool) -> None:
    """`export --redact` blurs the images KITTI export writes with --copy-data; refuse it
    where no image would be written, rather than export unblurred pictures silently."""
    if redact and (fmt != "kitti" or not copy_data):
        raise PointlabelError("--redact applies to the camera images of --format kitti --copy-data "
                              "(without --copy-data no image is exported)")
