// Top, side and front views of the selected box in its own axes, drawn on 2D canvases from
// the points the page already has. Drag an edge to move that face, a corner to move two, the
// inside to move the box, the knob (top view) to turn it; every drag shows at once and is
// saved when released.

import { fromViewRect, rotation, toLocal, wrapAngle } from "./cuboid.js";
import { hexToRgb } from "./colormaps.js";
import { classColour } from "./overlay.js";

// (name, horizontal axis, vertical axis, sign of horizontal): the front view looks at the
// box's front face, so the box's left (+y) is on the right.
const VIEWS = [["top", 0, 1, 1], ["side", 0, 2, 1], ["front", 1, 2, -1]];
const MARGIN = 1.0;  // metres shown around the box
const GRAB = 7;      // pixels

export class BoxViews {
  constructor(el, hub) {
    this.el = el;
    this.hub = hub;
    this.title = document.createElement("div");
    this.title.className = "box-views-title";
    el.appendChild(this.title);
    this.views = VIEWS.map(([name, h, v, sign]) => {
      const wrap = document.createElement("div");
      wrap.className = "box-view";
      wrap.dataset.view = name;
      const label = document.createElement("span");
      label.className = "box-view-label";
      label.textContent = name;
      const canvas = document.createElement("canvas");
      wrap.appendChild(canvas);
      wrap.appendChild(label);
      el.appendChild(wrap);
      const view = { name, h, v, sign, wrap, canvas, scale: 1 };
      canvas.addEventListener("pointerdown", (e) => this.onDown(view, e));
      canvas.addEventListener("pointermove", (e) => this.onMove(view, e));
      canvas.addEventListener("pointerup", (e) => this.onUp(view, e));
      return view;
    });
    this._near = null;  // {id, center, idx}: candidate points around the selected box
    this.frames = 0;
    new ResizeObserver(() => this.draw()).observe(el);
  }

  requestRender() {
    if (this._pending) { return; }
    this._pending = true;
    requestAnimationFrame(() => { this._pending = false; this.draw(); });
  }

  // Candidate points around the box (a sphere a little larger than the box and its margin),
  // found once per selection and frame and again only when the box moved out of it.
  nearby(c) {
    const cloud = this.hub.cloud;
    if (!cloud) { return new Uint32Array(0); }
    const key = c.id + "|" + this.hub.frameId;
    const reach = Math.hypot(...c.size_lwh) / 2 + MARGIN * Math.sqrt(3);
    const n = this._near;
    const moved = n ? Math.hypot(c.center[0] - n.center[0], c.center[1] - n.center[1], c.center[2] - n.center[2]) : 0;
    if (n && n.key === key && moved + reach <= n.reach) { return n.idx; }
    const r = reach + 1.5, r2 = r * r, xyz = cloud.xyz, out = [];
    const [cx, cy, cz] = c.center;
    for (let i = 0; i < cloud.n; i++) {
      const dx = xyz[3 * i] - cx, dy = xyz[3 * i + 1] - cy;
      if (dx * dx + dy * dy > r2) { continue; }
      const dz = xyz[3 * i + 2] - cz;
      if (dx * dx + dy * dy + dz * dz <= r2) { out.push(i); }
    }
    this._near = { key, center: c.center.slice(), reach: r, idx: Uint32Array.from(out) };
    return this._near.idx;
  }

  draw() {
    const c = this.hub.selected();
    const box = c && c.type === "cuboid" ? c : null;
    this.title.textContent = box
      ? `${box.label} · ${box.size_lwh.map((s) => s.toFixed(2)).join(" × ")} m · yaw ${(box.yaw * 180 / Math.PI).toFixed(1)}°`
      : "no box selected";
    const local = box ? this.localPoints(box) : null;
    for (const view of this.views) { this.drawView(view, box, local); }
    this.frames += 1;
  }

  // The points within MARGIN of the box on every axis, in the box's frame: Float32Array (K*3)
  // and a flag per point (1 = inside the box).
  localPoints(c) {
    const xyz = this.hub.cloud ? this.hub.cloud.xyz : null;
    if (!xyz) { return { n: 0 }; }
    const R = rotation(c), idx = this.nearby(c), pts = new Float32Array(idx.length * 3), inside = new Uint8Array(idx.length);
    const hx = c.size_lwh[0] / 2, hy = c.size_lwh[1] / 2, hz = c.size_lwh[2] / 2;
    let k = 0;
    for (const i of idx) {
      const p = toLocal(c, [xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]], R);
      const ax = Math.abs(p[0]), ay = Math.abs(p[1]), az = Math.abs(p[2]);
      if (ax > hx + MARGIN || ay > hy + MARGIN || az > hz + MARGIN) { continue; }
      pts[3 * k] = p[0]; pts[3 * k + 1] = p[1]; pts[3 * k + 2] = p[2];
      inside[k] = ax <= hx && ay <= hy && az <= hz ? 1 : 0;
      k += 1;
    }
    return { n: k, pts, inside };
  }

  // View pixels <-> box-frame metres of this view's axes.
  frame(view, box) {
    const W = view.canvas.clientWidth, H = view.canvas.clientHeight;
    const hh = box.size_lwh[view.h] / 2 + MARGIN, hv = box.size_lwh[view.v] / 2 + MARGIN;
    const s = Math.min(W / (2 * hh), H / (2 * hv));
    view.scale = s;
    return { W, H, s, px: (a) => W / 2 + a * s, py: (b) => H / 2 - b * s };
  }

  drawView(view, box, local) {
    const cv = view.canvas;
    const W = Math.max(1, view.wrap.clientWidth), H = Math.max(1, view.wrap.clientHeight);
    if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; cv.style.width = W + "px"; cv.style.height = H + "px"; }
    const g = cv.getContext("2d");
    g.fillStyle = "#111418";
    g.fillRect(0, 0, W, H);
    if (!box) { return; }
    const f = this.frame(view, box);
    const half = box.size_lwh.map((s) => s / 2);
    const colour = classColour(this.hub.config, box.label);
    const [cr, cg, cb] = hexToRgb(colour), img = g.getImageData(0, 0, W, H), px = img.data;
    for (let k = 0; k < local.n; k++) {
      const x = Math.round(f.px(view.sign * local.pts[3 * k + view.h])), y = Math.round(f.py(local.pts[3 * k + view.v]));
      if (x < 0 || y < 0 || x >= W - 1 || y >= H - 1) { continue; }
      const inside = local.inside[k];
      for (const o of [0, 4, 4 * W, 4 * W + 4]) {
        const j = 4 * (y * W + x) + o;
        px[j] = inside ? cr : 93; px[j + 1] = inside ? cg : 107; px[j + 2] = inside ? cb : 122; px[j + 3] = 255;
      }
    }
    g.putImageData(img, 0, 0);
    const ha = half[view.h], hb = half[view.v];
    g.strokeStyle = "#ffffff";
    g.lineWidth = 1.5;
    g.strokeRect(f.px(-ha), f.py(hb), 2 * ha * f.s, 2 * hb * f.s);
    g.fillStyle = "#ffffff";
    for (const [a, b] of [[-ha, -hb], [ha, -hb], [ha, hb], [-ha, hb]]) { g.fillRect(f.px(a) - 3, f.py(b) - 3, 6, 6); }
    if (view.name !== "front") {  // heading: towards the box's +x
      g.strokeStyle = colour;
      g.beginPath(); g.moveTo(f.px(0), f.py(0)); g.lineTo(f.px(ha), f.py(0)); g.stroke();
    }
    if (view.name === "top") {
      const k = this.knob(box);
      g.fillStyle = "#ffd54f";
      g.beginPath(); g.arc(f.px(k), f.py(0), 5, 0, 2 * Math.PI); g.fill();
    }
  }

  knob(box) { return box.size_lwh[0] / 2 + Math.max(0.4, 0.3 * MARGIN); }

  // -- dragging -------------------------------------------------------------------------------
  metres(view, e) {
    const r = view.canvas.getBoundingClientRect();
    const box = this._drag ? this._drag.box : this.hub.selected();
    const f = this.frame(view, box);
    return [(e.clientX - r.left - f.W / 2) / f.s, -(e.clientY - r.top - f.H / 2) / f.s];
  }

  onDown(view, e) {
    const box = this.hub.selected();
    if (!box || box.type !== "cuboid" || e.button !== 0) { return; }
    const [a, b] = this.metres(view, e), tol = GRAB / view.scale;
    const ha = box.size_lwh[view.h] / 2, hb = box.size_lwh[view.v] / 2;
    let grab = null;
    if (view.name === "top" && Math.hypot(a - this.knob(box), b) <= tol * 1.2) {
      grab = { turn: true };
    } else {
      const ex = Math.abs(a - ha) <= tol ? "x1" : Math.abs(a + ha) <= tol ? "x0" : null;
      const ey = Math.abs(b - hb) <= tol ? "y1" : Math.abs(b + hb) <= tol ? "y0" : null;
      const within = Math.abs(a) <= ha + tol && Math.abs(b) <= hb + tol;
      if (within && (ex || ey)) { grab = { edges: [ex, ey].filter(Boolean) }; }
      else if (Math.abs(a) < ha && Math.abs(b) < hb) { grab = { edges: ["x0", "x1", "y0", "y1"] }; }
    }
    if (!grab) { return; }
    view.canvas.setPointerCapture(e.pointerId);
    this._drag = { ...grab, view, box, start: [a, b] };
  }

  onMove(view, e) {
    const d = this._drag;
    if (!d || d.view !== view) { this.hover(view, e); return; }
    const [a, b] = this.metres(view, e);
    const c = d.box;
    let box;
    if (d.turn) {
      box = { ...c, yaw: wrapAngle(c.yaw + Math.atan2(b, a) - Math.atan2(d.start[1], d.start[0])) };
    } else {
      const ha = c.size_lwh[view.h] / 2, hb = c.size_lwh[view.v] / 2;
      const r = { x0: -ha, x1: ha, y0: -hb, y1: hb };
      const da = a - d.start[0], db = b - d.start[1];
      for (const k of d.edges) { r[k] += k[0] === "x" ? da : db; }
      box = fromViewRect(c, view.name, r.x0, r.x1, r.y0, r.y1, this.hub.config.steps.min_size);
    }
    d.current = box;
    this.hub.previewBox(box);
  }

  hover(view, e) {
    const box = this.hub.selected();
    if (!box || box.type !== "cuboid") { view.canvas.style.cursor = "default"; return; }
    const [a, b] = this.metres(view, e), tol = GRAB / view.scale;
    const ha = box.size_lwh[view.h] / 2, hb = box.size_lwh[view.v] / 2;
    const nx = Math.abs(Math.abs(a) - ha) <= tol, ny = Math.abs(Math.abs(b) - hb) <= tol;
    view.canvas.style.cursor = view.name === "top" && Math.hypot(a - this.knob(box), b) <= tol * 1.2 ? "grab"
      : nx && ny ? "nwse-resize" : nx ? "ew-resize" : ny ? "ns-resize" : Math.abs(a) < ha && Math.abs(b) < hb ? "move" : "default";
  }

  onUp(view, e) {
    const d = this._drag;
    this._drag = null;
    if (d && d.current) { this.hub.setBox(d.current); }
  }
}
