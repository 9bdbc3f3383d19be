"""Privacy in the app, in real headless Chromium: a region dragged on a camera image in redact
mode becomes a stored redact annotation drawn over the image, and the redacted view shows
the camera with that region (and the boxes' plate and head zones) blurred."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.datasets.detect import open_dataset
from pointlabel.model import Redaction2D
from pointlabel.store import open_store

pytestmark = pytest.mark.browser
FRAME = "000008"


def _image(page, url: str) -> np.ndarray:
    import urllib.request
    with urllib.request.urlopen(url) as r:
        return np.asarray(Image.open(io.BytesIO(r.read())).convert("L"), dtype=float)


def test_draw_a_region_and_see_the_cameras_redacted(kitti_root, tmp_path, serve_app, page):
    ds = open_dataset(kitti_root)
    store = open_store(ds, tmp_path / "labels.sqlite")
    app = create_app(ds, store, budget=PointBudget(camera=5_000))
    s = app.pointlabel_session
    server = serve_app(app)
    page.d.get(server.url + f"?frame={FRAME}")
    page.wait_frame(FRAME)
    page.wait_canvas("c.cameras.views.image_2 && c.cameras.views.image_2.data && c.cameras.views.image_2.img.naturalWidth > 0",
                     "the camera")
    page.key("4")
    page.wait_canvas("h.mode === 'redact'", "redact mode")

    region = (500.0, 120.0, 700.0, 250.0)  # recorded-image pixels: the house fronts
    page.drag(page.camera_px("image_2", *region[:2]), page.camera_px("image_2", *region[2:]))
    drawn = page.wait_until(lambda: s.annotations(FRAME).redactions, what="a stored redact region")
    assert len(drawn) == 1 and isinstance(drawn[0], Redaction2D) and drawn[0].camera == "image_2"
    assert np.allclose(drawn[0].box_xyxy, region, atol=3.0)  # the drag, in the recorded image's pixels
    page.wait_until(lambda: (drawn[0].id, "redaction") in page.camera_items("image_2"), what="drawn over the image")
    assert not page.canvas("h.cuboids().length")  # a region is no box

    # the redacted view: the cameras' images come redacted, the region's content gone
    plain_url = server.url.rstrip("/") + page.canvas("c.cameras.views.image_2.data.meta.image")
    page.js("document.querySelector('#redacted-view input').click()")
    page.wait_canvas("c.cameras.views.image_2.img.getAttribute('src').indexOf('redacted=1') > 0 && "
                     "c.cameras.views.image_2.img.complete && c.cameras.views.image_2.img.naturalWidth > 0", "redacted image")
    plain = _image(page, plain_url)
    redacted = _image(page, server.url.rstrip("/") + page.canvas("c.cameras.views.image_2.img.getAttribute('src')"))
    k = plain.shape[1] / 1242  # the shown image is downscaled
    l, t, r, b = (int(round(v * k)) for v in region)
    inside_before, inside_after = plain[t + 3:b - 3, l + 3:r - 3], redacted[t + 3:b - 3, l + 3:r - 3]
    detail = lambda a: np.abs(np.diff(a, axis=1)).mean()
    assert detail(inside_after) < 0.25 * detail(inside_before)  # blurred beyond reading
    outside = np.ones_like(plain, bool)
    outside[max(t - 12, 0):b + 12, max(l - 12, 0):r + 12] = False
    changed = np.abs(plain - redacted) > 24
    assert changed[outside].mean() < 0.1  # the rest as it was (JPEG noise aside; plate zones of no box here)
    page.screenshot("app-11-redacted.png")
    errors = page.errors()
    assert errors == [], errors[0][:2000] if errors else ""
