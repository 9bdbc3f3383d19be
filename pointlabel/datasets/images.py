"""Camera images: size from the file header, and decoding for display."""
from __future__ import annotations

from pathlib import Path

from pointlabel.errors import PointlabelError


def image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) read from the header only."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, UnidentifiedImageError) as e:
        raise PointlabelError(f"cannot read image ({e.__class__.__name__})", path) from None


def load_rgb(path: str | Path):
    """(H, W, 3) uint8 array."""
    import numpy as np
    from PIL import Image
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except OSError as e:
        raise PointlabelError(f"cannot decode image ({e})", path) from None
