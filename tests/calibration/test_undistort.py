import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.camera import PinholeCamera
from calibration.undistort import pinhole_of, undistort_image

CAM = PinholeCamera([[300.0, 0, 160], [0, 300.0, 120], [0, 0, 1]], 320, 240, dist=(-0.3, 0.08, 0.001, -0.001, 0.0))


def _gradient_image():
    v, u = np.mgrid[0:240, 0:320]
    return np.stack([u * 255 // 319, v * 255 // 239, (u + v) % 256], axis=-1).astype(np.uint8)


@settings(max_examples=40)
@given(st.floats(20, 300), st.floats(20, 220))
def test_undistorted_pixel_shows_what_the_lens_put_at_the_distorted_spot(u, v):
    img = _gradient_image()
    out = undistort_image(img, CAM)
    ui, vi = int(round(u)), int(round(v))
    xy = CAM.pixels_to_normalised(np.array([[ui, vi]], float))
    src = CAM.normalised_to_pixels(CAM.distort(xy))[0]
    if 0 <= src[0] <= 318 and 0 <= src[1] <= 238:
        # red and green are linear in u and v: the output holds the input's value at the source
        assert abs(int(out[vi, ui, 0]) - src[0] * 255 / 319) <= 2
        assert abs(int(out[vi, ui, 1]) - src[1] * 255 / 239) <= 2


def test_a_point_lands_on_the_same_spot_through_either_model():
    # a 3D point projected with the lens onto the distorted image, and with the pinhole onto
    # the undistorted one: the undistorted image shows at the pinhole pixel what the lens saw
    img = np.zeros((240, 320, 3), np.uint8)
    pts_cam = np.array([[1.6, -1.0, 4.0]])
    uv_d, _, ok = CAM.project(pts_cam)
    assert ok[0]
    ud, vd = np.round(uv_d[0]).astype(int)
    img[vd - 2:vd + 3, ud - 2:ud + 3] = 255
    out = undistort_image(img, CAM)
    uv_p, _, _ = pinhole_of(CAM).project(pts_cam)
    up, vp = np.round(uv_p[0]).astype(int)
    assert out[vp, up].min() > 200
    assert np.abs(np.array([up, vp]) - [ud, vd]).max() > 5  # the lens moved it visibly


def test_without_distortion_the_image_is_unchanged():
    img = _gradient_image()
    assert np.array_equal(undistort_image(img, pinhole_of(CAM)), img)
