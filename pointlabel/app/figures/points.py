"""Point colours and point traces. Arrays go to Plotly as numpy (float32 / uint8), so Plotly
sends them to the browser as base64 typed arrays, never as JSON lists of numbers."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

# At import, not in a callback: PIL imported by two request threads at once can be seen
# half-initialised (plotly's JSON encoder looks for PIL.Image.Image while it loads).
from PIL import Image

COLOR_MODES = ("height", "intensity", "distance", "rgb")
DEPTH_SCALE = "Turbo"


@dataclass(frozen=True, eq=False)
class PointColours:
    """values: (M,) uint8 mapped by the colourscale over [cmin, cmax]: one byte a point (the
    quantised height / intensity / distance, or a palette index for 'rgb', see rgb_palette),
    a quarter of what float32 colours would add to the payload. `lo`/`hi`: the physical range
    shown."""

    values: np.ndarray
    colorscale: object
    cmin: float
    cmax: float
    lo: float = 0.0
    hi: float = 1.0


def quantised(v: np.ndarray, colorscale, lo: float, hi: float) -> PointColours:
    """Values -> uint8 steps of [lo, hi] (clipped), for a 0..255 colour axis."""
    q = np.clip((np.asarray(v, dtype=np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    return PointColours(q, colorscale, 0.0, 255.0, lo, hi)


def _robust_range(v: np.ndarray) -> tuple[float, float]:
    if len(v) == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(v, [2, 98])
    return float(lo), float(hi if hi > lo else lo + 1.0)


def rgb_palette(rgb: np.ndarray) -> PointColours:
    """(M, 3) uint8 colours -> one byte a point: the index into a palette of the 256 colours
    that best represent these points (median cut, no dithering), and a 256-stop colourscale
    whose stop i is palette colour i. A scan with at most 256 distinct colours (the PCL mug
    scene has 139) is shown exactly; a fixed 3-3-2-bit palette would leave it 28 colours."""
    rgb = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8).reshape(-1, 1, 3))
    if len(rgb) == 0:
        return PointColours(np.zeros(0, np.uint8), [[0.0, "rgb(0,0,0)"], [1.0, "rgb(0,0,0)"]], 0.0, 255.0)
    quant = Image.fromarray(rgb).quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    index = np.asarray(quant, dtype=np.uint8).reshape(-1)
    palette = np.asarray(quant.getpalette()[:768], dtype=int).reshape(-1, 3)
    used = int(index.max()) + 1
    palette = np.concatenate([palette[:used], np.repeat(palette[used - 1:used], 256 - used, axis=0)])
    scale = [[i / 255, f"rgb({r},{g},{b})"] for i, (r, g, b) in enumerate(palette.tolist())]
    return PointColours(index, scale, 0.0, 255.0)


def point_colours(cloud, idx: np.ndarray, mode: str) -> PointColours:
    """Colours of cloud points `idx` by 'height' (z), 'intensity', 'distance' (from the
    sensor) or 'rgb'; a mode the cloud lacks falls back to height."""
    xyz = cloud.xyz[idx]
    if mode == "rgb" and cloud.rgb is not None:
        return rgb_palette(cloud.rgb[idx])
    if mode == "intensity" and cloud.intensity is not None:
        v = np.asarray(cloud.intensity[idx], dtype=np.float32)
        return quantised(v, "Viridis", *_robust_range(v))
    if mode == "distance":
        v = np.sqrt((xyz.astype(np.float32) ** 2).sum(1))
        return quantised(v, DEPTH_SCALE, *_robust_range(v))
    v = np.asarray(xyz[:, 2], dtype=np.float32)
    return quantised(v, "Viridis", *_robust_range(v))


def marker(colours: PointColours, size: float) -> dict:
    # 'square' sprites draw about twice as fast as circles in software WebGL.
    return {"size": size, "color": colours.values, "colorscale": colours.colorscale,
            "cmin": colours.cmin, "cmax": colours.cmax, "symbol": "square", "opacity": 1.0}


def cloud_trace_3d(pts_lidar: np.ndarray, colours: PointColours, size: float, name: str = "cloud") -> go.Scatter3d:
    """pts_lidar: (M, 3) float32 LiDAR frame."""
    pts = np.asarray(pts_lidar, dtype=np.float32)
    return go.Scatter3d(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], mode="markers", name=name,
                        marker=marker(colours, size), hoverinfo="none")


def cloud_trace_bev(pts_lidar: np.ndarray, colours: PointColours, size: float) -> go.Scattergl:
    """Bird's-eye view: x forward to the right, y left upwards."""
    pts = np.asarray(pts_lidar, dtype=np.float32)
    m = marker(colours, size)
    m["symbol"] = "square"
    return go.Scattergl(x=pts[:, 0], y=pts[:, 1], mode="markers", name="cloud", marker=m, hoverinfo="none")


def empty_points_3d(name: str = "focus") -> go.Scatter3d:
    return go.Scatter3d(x=[], y=[], z=[], mode="markers", name=name, hoverinfo="none",
                        marker={"size": 2, "symbol": "square"})


def depth_points_trace(uv_img: np.ndarray, depth: np.ndarray, size: float = 1.5) -> go.Scattergl:
    """uv_img: (M, 2) pixels; depth: (M,) metres, coloured near (red) to far (blue)."""
    uv = np.asarray(uv_img, dtype=np.float32)
    c = quantised(depth, DEPTH_SCALE, 0.0, 60.0)
    return go.Scattergl(x=uv[:, 0], y=uv[:, 1], mode="markers", name="lidar", hoverinfo="none",
                        marker={"size": size, "color": c.values, "colorscale": DEPTH_SCALE, "reversescale": True,
                                "cmin": c.cmin, "cmax": c.cmax, "opacity": 0.6})
