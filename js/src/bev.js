// The bird's-eye view: x (forward) to the right, y (left) up, metres at one scale. It opens
// about 40 m across, pans with a drag, zooms toward the cursor, and keeps the selected box in
// view. A drag inside the selected box moves it; its knob in front turns it.

import * as THREE from "three";
import { buildOverlay, disposeGroup, sharedMaterial } from "./overlay.js";
import { containsXY, rotation, toWorld, wrapAngle } from "./cuboid.js";
import { LayeredView } from "./layers.js";
import { applySettings, makeMaterial } from "./points.js";

const OPEN_SPAN = 40;  // metres across when a frame first shows
const CLICK_PX = 5;

export class BevView extends LayeredView {
  constructor(el, hub) {
    super(el, hub, "canvas-bev");
    this.camera = new THREE.OrthographicCamera(-1, 1, 1, -1, -1000, 1000);
    this.camera.position.set(0, 0, 500);
    this.camera.up.set(0, 1, 0);
    this.cx = 0; this.cy = 0; this.mpp = 0.1;  // centre (m) and metres per pixel
    this.material = makeMaterial();
    this.overlay = new THREE.Group();
    this.topScene.add(this.overlay);
    this.grid = null;
    this._opened = false;
    this.resize();
    const dom = this.domElement;
    dom.addEventListener("pointerdown", (e) => this.onDown(e));
    dom.addEventListener("pointermove", (e) => this.onMove(e));
    dom.addEventListener("pointerup", (e) => this.onUp(e));
    dom.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    dom.addEventListener("contextmenu", (e) => e.preventDefault());
  }

  // The orthographic frustum of the centre and scale (both layers draw with it).
  beforeRender() {
    const hw = this.width * this.mpp / 2, hh = this.height * this.mpp / 2;
    const frustum = { left: this.cx - hw, right: this.cx + hw, top: this.cy + hh, bottom: this.cy - hh };
    if (Object.keys(frustum).some((k) => this.camera[k] !== frustum[k])) {
      Object.assign(this.camera, frustum);
      this.camera.updateProjectionMatrix();
      this._baseDirty = true;  // the view moved: the points layer too
    }
    this.updateGrid();
  }

  updateGrid() {
    const step = this.mpp * this.width > 120 ? 10 : this.mpp * this.width > 12 ? 1 : 0.1;
    const x0 = this.camera.left, x1 = this.camera.right, y0 = this.camera.bottom, y1 = this.camera.top;
    const key = [step, Math.floor(x0 / step), Math.floor(x1 / step), Math.floor(y0 / step), Math.floor(y1 / step)].join();
    if (this.grid && this.grid.userData.key === key) { return; }
    if (this.grid) { this.scene.remove(this.grid); disposeGroup(this.grid); }
    const pos = [];
    for (let x = Math.floor(x0 / step) * step; x <= x1; x += step) { pos.push(x, y0, -400, x, y1, -400); }
    for (let y = Math.floor(y0 / step) * step; y <= y1; y += step) { pos.push(x0, y, -400, x1, y, -400); }
    const g = new THREE.BufferGeometry();
    g.setAttribute("position", new THREE.BufferAttribute(new Float32Array(pos), 3));
    this.grid = new THREE.LineSegments(g, sharedMaterial("grid", () => new THREE.LineBasicMaterial({ color: 0x262c34 })));
    this.grid.userData.key = key;
    this.grid.renderOrder = -1;
    this.scene.add(this.grid);
  }

  // -- data -----------------------------------------------------------------------------------
  setCloud(cloud, colours, flags) {
    super.setCloud(cloud, colours, flags);
    if (!this._opened && cloud.n) { this.openAt(cloud); }
  }

  // About 40 m across around the sensor for a driving sweep; a smaller scan whole.
  openAt(cloud) {
    this._opened = true;
    const s = this.points.geometry.boundingSphere;
    if (s.radius * 2 < OPEN_SPAN || s.center.length() > s.radius) {
      this.cx = s.center.x; this.cy = s.center.y;
      this.mpp = Math.min(OPEN_SPAN, 2.2 * s.radius) / Math.min(this.width, this.height);
    } else {
      this.cx = 0; this.cy = 0;
      this.mpp = OPEN_SPAN / this.width;
    }
  }

  applySettings(settings) { applySettings(this.material, settings, 1.3); this.requestRender(); }

  setAnnotations() {
    const hub = this.hub;
    this.topScene.remove(this.overlay);
    disposeGroup(this.overlay);
    this.overlay = buildOverlay(hub.annotations(), hub.selection, hub.config, true, 300);
    const sel = this.overlay.userData.selected;
    if (sel && sel.type === "cuboid") { this.overlay.add(this.knob(sel)); }
    this.topScene.add(this.overlay);
    this.requestOverlay();
  }

  knobPoint(c) { return toWorld(c, [c.size_lwh[0] / 2 + Math.max(0.6, c.size_lwh[0] * 0.25), 0, 0], rotation(c)); }

  knob(c) {
    const p = this.knobPoint(c);
    const g = new THREE.BufferGeometry();
    g.setAttribute("position", new THREE.BufferAttribute(new Float32Array([p[0], p[1], 350]), 3));
    const m = new THREE.Points(g, sharedMaterial("knob", () => new THREE.PointsMaterial({ color: 0xffd54f, size: 9, sizeAttenuation: false, depthTest: false })));
    m.renderOrder = 30;
    return m;
  }

  // Keep the selected box in view: re-centre when it is outside the middle 60 % of the view.
  follow(c, always = false) {
    if (!c || c.type !== "cuboid") { return; }
    const hw = this.width * this.mpp / 2, hh = this.height * this.mpp / 2;
    if (always || Math.abs(c.center[0] - this.cx) > 0.6 * hw || Math.abs(c.center[1] - this.cy) > 0.6 * hh) {
      this.cx = c.center[0]; this.cy = c.center[1];
      this.requestRender();
    }
  }

  centre(x, y) {
    this.cx = x; this.cy = y;
    this.requestRender();
  }

  // -- pointer --------------------------------------------------------------------------------------
  toScreen(x, y) {  // page pixels of a LiDAR-frame (x, y)
    const r = this.renderer.domElement.getBoundingClientRect();
    return [r.left + r.width / 2 + (x - this.cx) / this.mpp, r.top + r.height / 2 - (y - this.cy) / this.mpp];
  }

  toWorld(e) {
    const r = this.renderer.domElement.getBoundingClientRect();
    return [this.cx + (e.clientX - r.left - r.width / 2) * this.mpp, this.cy - (e.clientY - r.top - r.height / 2) * this.mpp];
  }

  // Moving (pan or zoom): draw the LOD subset until the view has rested for a moment.
  move() {
    this.moving = true;
    clearTimeout(this._rest);
    this._rest = setTimeout(() => { this.moving = false; this.requestRender(); }, 150);
  }

  onWheel(e) {
    e.preventDefault();
    this.move();
    const [x, y] = this.toWorld(e);
    const k = Math.exp(e.deltaY * 0.0015);
    this.mpp = Math.min(Math.max(this.mpp * k, 0.002), 2);
    this.cx = x + (this.cx - x) * k;
    this.cy = y + (this.cy - y) * k;
    this.requestRender();
  }

  onDown(e) {
    const p = this.toWorld(e);
    this._down = { x: e.clientX, y: e.clientY, p, cx: this.cx, cy: this.cy, button: e.button };
    this.domElement.setPointerCapture(e.pointerId);
    const c = this.hub.selected();
    if (e.button === 0 && c && c.type === "cuboid") {
      const k = this.knobPoint(c);
      if (Math.hypot(k[0] - p[0], k[1] - p[1]) / this.mpp < 9) { this._drag = { kind: "turn", box: c, start: p }; return; }
      if (containsXY(c, p[0], p[1]) && this.hub.mode === "select") { this._drag = { kind: "move", box: c, start: p }; }
    }
  }

  onMove(e) {
    const d = this._down;
    if (!d) { return; }
    const p = this.toWorld(e);
    const drag = this._drag;
    if (drag) {
      if (Math.hypot(e.clientX - d.x, e.clientY - d.y) <= CLICK_PX && !drag.current) { return; }
      const c = drag.box;
      if (drag.kind === "move") {
        drag.current = { ...c, center: [c.center[0] + p[0] - drag.start[0], c.center[1] + p[1] - drag.start[1], c.center[2]] };
      } else {
        const a0 = Math.atan2(drag.start[1] - c.center[1], drag.start[0] - c.center[0]);
        const a1 = Math.atan2(p[1] - c.center[1], p[0] - c.center[0]);
        drag.current = { ...c, yaw: wrapAngle(c.yaw + a1 - a0) };
      }
      this.hub.previewBox(drag.current);
      return;
    }
    this.cx = d.cx - (e.clientX - d.x) * this.mpp;
    this.cy = d.cy + (e.clientY - d.y) * this.mpp;
    this.move();
    this.requestRender();
  }

  onUp(e) {
    const d = this._down, drag = this._drag;
    this._down = null; this._drag = null;
    if (drag && drag.current) { this.hub.setBox(drag.current); return; }
    if (!d || d.button !== 0 || Math.hypot(e.clientX - d.x, e.clientY - d.y) > CLICK_PX) { return; }
    this.click(this.toWorld(e));
  }

  // A click: select the box under it, or ask the server to act at (x, y): fit (it snaps to the
  // nearest object above the ground), select, or add a polyline vertex.
  click([x, y]) {
    const hub = this.hub;
    if (hub.mode === "select") {
      const under = hub.cuboids().filter((c) => containsXY(c, x, y, 0.1));
      if (under.length) {
        under.sort((a, b) => a.size_lwh[0] * a.size_lwh[1] - b.size_lwh[0] * b.size_lwh[1]);
        hub.select(under[0].id);
        return;
      }
    }
    hub.request(hub.mode === "fit" ? "fit" : hub.mode === "polyline" ? "vertex" : "select", { x, y, z: null, source: "bev" });
  }
}
