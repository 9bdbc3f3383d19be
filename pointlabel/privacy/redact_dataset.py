"""Redacting a dataset's camera images: write redacted copies, or record the regions found.

`redact_dataset(dataset, labels, out=DIR)` writes every synced camera image of the chosen
frames, redacted, under DIR at its path relative to the dataset (KITTI `image_2/000008.png`,
native `cameras/front/000003.png`), and `DIR/redaction.json` listing each image's regions
(geometry, label, source; no pixels). An image paired with several sweeps gets the union of
their regions. `record=store` instead stores the automatic regions (detector and boxes) as
`Redaction2D` proposals of each frame, replacing those an earlier run recorded, so people can
review, fix or reject them like any annotation; drawn regions are left as they are.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from pointlabel.errors import PointlabelError
from pointlabel.model import STATUS_PROPOSAL
from pointlabel.privacy.redact import JPEG_QUALITY, Redactor, obscure

AUTO = "auto:"
MANIFEST = "redaction.json"


def read_image(path: str | Path) -> tuple[np.ndarray, str]:
    """(pixels as stored: (H, W) or (H, W, C), PIL mode)."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode == "P":
                im = im.convert("RGBA" if "transparency" in im.info else "RGB")
            return np.asarray(im), im.mode
    except (OSError, UnidentifiedImageError) as e:
        raise PointlabelError(f"cannot read image ({e.__class__.__name__})", path) from None


def write_image(path: str | Path, pixels: np.ndarray, mode: str) -> None:
    """PNG losslessly in the same mode; JPEG at JPEG_QUALITY. Written under a temporary
    name and renamed, so a reader never sees half a file."""
    from PIL import Image
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    im = Image.fromarray(pixels, mode=mode) if mode in ("RGB", "RGBA", "L") else Image.fromarray(pixels)
    im.save(tmp, format="JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else "PNG",
            **({"quality": JPEG_QUALITY} if path.suffix.lower() in (".jpg", ".jpeg") else {}))
    tmp.replace(path)


def _images(dataset, frames, cameras) -> dict[Path, list[tuple[str, str]]]:
    """image path -> [(frame id, camera)] of every synced image (within tolerance)."""
    out: dict[Path, list[tuple[str, str]]] = {}
    for fid in frames:
        for cam, m in dataset.sync(fid).items():
            if m.ok and m.image is not None and (not cameras or cam in cameras):
                out.setdefault(Path(m.image), []).append((fid, cam))
    return out


def _relative(dataset, image: Path) -> Path:
    try:
        return image.resolve().relative_to(Path(dataset.root).resolve())
    except ValueError:
        return Path(image.parent.name) / image.name


def redact_dataset(dataset, redactor: Redactor, frames=None, cameras=None, out: str | Path | None = None,
                   record=None, label_set: str = "default", author: str | None = None) -> dict:
    """Redact the synced images of `frames` (default: all) in `cameras` (default: all):
    with `out`, write redacted copies; with `record` (a store), store the automatic regions.
    Returns {"images", "regions" (per label:source), "ms_per_image", "out" | "recorded"}."""
    if (out is None) == (record is None):
        raise PointlabelError("redact: choose --out DIR (redacted copies) or --record (store the regions)")
    frames = list(frames or dataset.frame_ids)
    images = _images(dataset, frames, cameras)
    if not images:
        raise PointlabelError("no camera images to redact in these frames", dataset.root)
    out = Path(out) if out is not None else None
    if out is not None and out.resolve() == Path(dataset.root).resolve():
        raise PointlabelError("--out must not be the dataset itself (the originals are never overwritten)", out)
    manifest, recorded = {}, {}
    for image, uses in images.items():
        t0 = time.perf_counter()
        pixels, mode = read_image(image)
        regions = []
        for k, (fid, cam) in enumerate(uses):
            found = redactor.regions(fid, cam, pixels if k == 0 else None)  # detect once per image
            regions += found
            if record is not None:  # what this run found, not what an earlier run stored
                stored = {r.id for r in record.frame(fid, label_set).redactions}
                recorded.setdefault(fid, []).extend(r.replace(status=STATUS_PROPOSAL) for r in found
                                                    if (r.source or "").startswith(AUTO) and r.id not in stored)
        if out is not None:
            rel = _relative(dataset, image)
            write_image(out / rel, obscure(pixels, regions), mode)
            manifest[rel.as_posix()] = [{k: v for k, v in r.to_dict().items() if k not in ("id", "status")}
                                        for r in regions]
        redactor.stats.add(regions, time.perf_counter() - t0)
    result = redactor.stats.to_dict()
    if out is not None:
        (out / MANIFEST).write_text(json.dumps({"format": "pointlabel-redaction", "version": 1,
                                                "images": manifest}, indent=1))
        result["out"] = str(out)
    else:
        cams = {cam for uses in images.values() for _, cam in uses}
        for fid in frames:
            old = [r.id for r in record.frame(fid, label_set).redactions
                   if (r.source or "").startswith(AUTO) and r.camera in cams]
            new = recorded.get(fid, [])
            if old or new:
                record.apply(fid, upserts=new, deletes=old, label_set=label_set, author=author)
        result["recorded"] = sum(len(v) for v in recorded.values())
    return result
