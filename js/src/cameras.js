// The cameras: the image, the LiDAR points projected into it (coloured by depth), and the
// annotations projected through the rig's calibration by the server (lens distortion
// included), each on its own 2D canvas so an edit redraws only the small overlay.
//
// Mouse: wheel zooms toward the cursor, right-drag pans, double-click resets. A click on a
// projected box selects it; a click elsewhere fits a box to the LiDAR points under the click
// (picked along the ray); a left-drag draws a rectangle and fits a cuboid to the points in
// its frustum (the server's fitting.camera_fit does both).

import { TURBO, hexToRgb } from "./colormaps.js";
import { fetchMessage } from "./wire.js";

const CLICK_PX = 5;

class CameraView {
  constructor(el, hub, name) {
    this.el = el; this.hub = hub; this.name = name;
    el.innerHTML = "";
    this.img = document.createElement("img");
    this.img.className = "camera-image";
    this.img.draggable = false;
    this.points = document.createElement("canvas");
    this.points.className = "camera-points";
    this.overlay = document.createElement("canvas");
    this.overlay.className = "camera-overlay";
    this.title = document.createElement("div");
    this.title.className = "camera-title";
    this.title.textContent = name;
    for (const c of [this.img, this.points, this.overlay, this.title]) { el.appendChild(c); }
    this.data = null;       // {meta, uv, depth}
    this.paths = [];        // the server's projected annotations for this camera
    this.zoom = 1; this.panX = 0; this.panY = 0;
    this.pointFrames = 0; this.overlayFrames = 0;
    new ResizeObserver(() => { this.drawPoints(); this.drawOverlay(); }).observe(el);
    this.img.addEventListener("load", () => this.placeImage());
    const o = this.overlay;
    o.addEventListener("pointerdown", (e) => this.onDown(e));
    o.addEventListener("pointermove", (e) => this.onMove(e));
    o.addEventListener("pointerup", (e) => this.onUp(e));
    o.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    o.addEventListener("dblclick", () => { this.zoom = 1; this.panX = 0; this.panY = 0; this.redraw(); });
    o.addEventListener("contextmenu", (e) => e.preventDefault());
  }

  async load(index, signal) {
    const url = this.hub.url(`/camera/${index}/${encodeURIComponent(this.name)}`);
    const msg = await (window.pointlabelCanvas.fetchMessage || fetchMessage)(url, signal);
    this.data = { meta: msg.meta, uv: msg.arrays.uv, depth: msg.arrays.depth };
    this.title.textContent = msg.meta.title;
    this.setImage();
    this.redraw();
  }

  // The recorded image, or its redacted view (settings: redacted cameras), which changes with
  // the annotations (`rev`).
  setImage() {
    const m = this.data && this.data.meta;
    if (!m || !m.image) { this.img.style.display = "none"; return; }
    const rev = this.hub.state ? this.hub.state.rev : 0;
    const src = this.hub.settings.redacted ? `${m.image}?redacted=1&rev=${rev}` : m.image;
    if (this.img.getAttribute("src") !== src) { this.img.src = src; }
    this.img.style.display = "";
  }

  // Original image pixels -> element pixels: the image fitted in the element, then zoom / pan.
  transform() {
    const W = this.el.clientWidth, H = this.el.clientHeight;
    const w = this.data ? this.data.meta.width : 1, h = this.data ? this.data.meta.height : 1;
    const s0 = Math.min(W / w, H / h), s = s0 * this.zoom;
    const ox = (W - w * s0) / 2 + this.panX, oy = (H - h * s0) / 2 + this.panY;
    return { W, H, s, ox: ox - (this.zoom - 1) * 0 , oy, toEl: (u, v) => [ox + (u + 0.5) * s, oy + (v + 0.5) * s],
             toImg: (x, y) => [(x - ox) / s - 0.5, (y - oy) / s - 0.5] };
  }

  placeImage() {
    if (!this.data) { return; }
    const t = this.transform();
    Object.assign(this.img.style, { left: `${t.ox}px`, top: `${t.oy}px`, width: `${this.data.meta.width * t.s}px`,
                                    height: `${this.data.meta.height * t.s}px` });
  }

  redraw() { this.placeImage(); this.drawPoints(); this.drawOverlay(); }

  sized(canvas) {
    const W = Math.max(1, this.el.clientWidth), H = Math.max(1, this.el.clientHeight);
    if (canvas.width !== W || canvas.height !== H) { canvas.width = W; canvas.height = H; }
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, W, H);
    return g;
  }

  drawPoints() {
    const g = this.sized(this.points);
    if (!this.data) { return; }
    const t = this.transform(), { uv, depth } = this.data, n = depth.length;
    const img = g.getImageData(0, 0, this.points.width, this.points.height), px = img.data, W = img.width, H = img.height;
    const tint = this.hub.cameraTint ? this.hub.cameraTint(this.name, n) : null;  // painted classes (paint.js), RGBA
    for (let i = 0; i < n; i++) {
      const x = Math.round(t.ox + (uv[2 * i] + 0.5) * t.s), y = Math.round(t.oy + (uv[2 * i + 1] + 0.5) * t.s);
      if (x < 0 || y < 0 || x >= W - 1 || y >= H - 1) { continue; }
      const q = 3 * (255 - Math.max(0, Math.min(255, Math.round(depth[i] * 255 / 60))));
      const painted = tint && tint[4 * i + 3];
      const r = painted ? tint[4 * i] : TURBO[q], gr = painted ? tint[4 * i + 1] : TURBO[q + 1];
      const b = painted ? tint[4 * i + 2] : TURBO[q + 2];
      for (const o of [0, 4, 4 * W, 4 * W + 4]) {
        const j = 4 * (y * W + x) + o;
        px[j] = r; px[j + 1] = gr; px[j + 2] = b; px[j + 3] = painted ? 230 : 170;
      }
    }
    g.putImageData(img, 0, 0);
    this.pointFrames += 1;
  }

  setPaths(paths) { this.paths = paths || []; this.drawOverlay(); }

  drawOverlay() {
    const g = this.sized(this.overlay);
    if (!this.data) { return; }
    const t = this.transform(), sel = this.hub.selection.id;
    for (const item of this.paths) {
      const selected = item.id === sel;
      g.strokeStyle = selected ? "#ffffff" : item.colour;
      g.lineWidth = selected ? 2.5 : 1.5;
      g.setLineDash(item.kind === "proposal" || item.kind === "redaction" ? [6, 4] : []);
      if (item.kind === "redaction") { this.fillRegion(g, t, item); }
      g.beginPath();
      let pen = false;
      for (let k = 0; k < item.path.length; k += 2) {
        const u = item.path[k], v = item.path[k + 1];
        if (u === null || v === null) { pen = false; continue; }
        const [x, y] = t.toEl(u, v);
        if (pen) { g.lineTo(x, y); } else { g.moveTo(x, y); pen = true; }
      }
      g.stroke();
      if (item.kind === "vertices") {
        g.fillStyle = "#ffd54f";
        for (let k = 0; k < item.path.length; k += 2) {
          if (item.path[k] === null) { continue; }
          const [x, y] = t.toEl(item.path[k], item.path[k + 1]);
          g.fillRect(x - 2.5, y - 2.5, 5, 5);
        }
      }
    }
    g.setLineDash([]);
    if (this._rect) {
      const [x0, y0, x1, y1] = this._rect;
      g.strokeStyle = "#ffd54f"; g.lineWidth = 1.5;
      g.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    }
    this.overlayFrames += 1;
  }

  fillRegion(g, t, item) {  // a redact region: filled, so what it hides reads as hidden
    g.save();
    g.fillStyle = "rgba(255, 82, 82, 0.28)";
    g.beginPath();
    for (let k = 0; k + 1 < item.path.length; k += 2) {
      if (item.path[k] === null) { continue; }
      const [x, y] = t.toEl(item.path[k], item.path[k + 1]);
      if (k === 0) { g.moveTo(x, y); } else { g.lineTo(x, y); }
    }
    g.fill();
    g.restore();
  }

  // -- pointer --------------------------------------------------------------------------------
  local(e) { const r = this.overlay.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }

  onWheel(e) {
    e.preventDefault();
    const [x, y] = this.local(e), k = Math.exp(-e.deltaY * 0.0015);
    const z = Math.min(Math.max(this.zoom * k, 1), 12), f = z / this.zoom;
    const t = this.transform();
    // keep the image point under the cursor fixed
    this.panX = x - (x - t.ox) * f - (t.ox - this.panX);
    this.panY = y - (y - t.oy) * f - (t.oy - this.panY);
    this.zoom = z;
    this.redraw();
  }

  onDown(e) {
    this.overlay.setPointerCapture(e.pointerId);
    this._down = { x: e.clientX, y: e.clientY, p: this.local(e), button: e.button, panX: this.panX, panY: this.panY };
  }

  onMove(e) {
    const d = this._down;
    if (!d) { return; }
    if (d.button === 2 || d.button === 1) {
      this.panX = d.panX + e.clientX - d.x; this.panY = d.panY + e.clientY - d.y;
      this.redraw();
    } else if (d.button === 0 && Math.hypot(e.clientX - d.x, e.clientY - d.y) > CLICK_PX) {
      const p = this.local(e);
      this._rect = [d.p[0], d.p[1], p[0], p[1]];
      this.drawOverlay();
    }
  }

  onUp(e) {
    const d = this._down, rect = this._rect;
    this._down = null; this._rect = null;
    if (!d || d.button !== 0 || !this.data) { this.drawOverlay(); return; }
    const t = this.transform();
    if (rect) {
      this.drawOverlay();
      const [u0, v0] = t.toImg(rect[0], rect[1]), [u1, v1] = t.toImg(rect[2], rect[3]);
      const r = [Math.min(u0, u1), Math.min(v0, v1), Math.max(u0, u1), Math.max(v0, v1)];
      if (this.hub.mode === "redact") {  // a region to blur (privacy), not a box to fit
        this.hub.request("redact", { camera: this.name, rect: r });
      } else {
        this.hub.request("fit", { source: "camera-rect", camera: this.name, rect: r });
      }
      return;
    }
    if (this.hub.mode === "redact") {
      const [u, v] = t.toImg(...this.local(e));
      const hit = this.regionAt(u, v);
      if (hit) { this.hub.select(hit); }
      return;
    }
    const [u, v] = t.toImg(...this.local(e));
    const hit = this.hub.mode !== "fit" && this.boxAt(u, v);
    if (hit) { this.hub.select(hit); return; }
    this.hub.request("fit", { source: "camera", camera: this.name, u, v });
  }

  regionAt(u, v) {
    const r = this.paths.find((p) => p.kind === "redaction" && p.bbox && u >= p.bbox[0] && u <= p.bbox[2] &&
                                     v >= p.bbox[1] && v <= p.bbox[3]);
    return r && r.id;
  }

  // The smallest projected box whose outline's bounds hold (u, v).
  boxAt(u, v) {
    let best = null;
    for (const item of this.paths) {
      if (item.kind !== "box" && item.kind !== "proposal") { continue; }
      const b = item.bbox;
      if (!b || u < b[0] || u > b[2] || v < b[1] || v > b[3]) { continue; }
      const area = (b[2] - b[0]) * (b[3] - b[1]);
      if (!best || area < best.area) { best = { id: item.id, area }; }
    }
    return best && best.id;
  }
}

export class Cameras {
  constructor(hub) {
    this.hub = hub;
    this.views = {};
  }

  mount() {
    for (const el of document.querySelectorAll(".camera[data-camera]")) {
      const name = el.dataset.camera;
      if (!this.views[name] || this.views[name].el !== el) { this.views[name] = new CameraView(el, this.hub, name); }
    }
  }

  load(index, signal) {
    this.mount();
    return Promise.all(Object.values(this.views).map((v) => v.load(index, signal).catch((e) => {
      if (e.name !== "AbortError") { console.warn(`camera ${v.name}: ${e.message}`); }
    })));
  }

  setOverlays(data) {
    if (!data || data.frame !== this.hub.frameId) { return; }
    for (const [name, v] of Object.entries(this.views)) {
      v.setPaths((data.cameras || {})[name]);
      v.setImage();  // a redacted view follows the annotations
    }
  }

  setImages() { for (const v of Object.values(this.views)) { v.setImage(); } }

  redrawOverlays() { for (const v of Object.values(this.views)) { v.drawOverlay(); } }
}

export { hexToRgb };
