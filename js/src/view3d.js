// The 3D view: the whole sweep as GPU points (uploaded once per frame), orbit / pan / zoom
// toward the cursor (three.js OrbitControls), the annotation layer, and handles on the
// selected box: move (the disc on top), turn about z (the knob in front), resize by a face
// (the six face squares). Drawing happens only when something changed.

import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { buildOverlay, disposeGroup, sharedMaterial } from "./overlay.js";
import { rayHit, rotation, toWorld, wrapAngle } from "./cuboid.js";
import { LayeredView } from "./layers.js";
import { applySettings, makeMaterial, visibleTest } from "./points.js";

const CLICK_PX = 5;
const HANDLE_GEOMETRY = {  // unit sizes, scaled to a constant size on screen (scaleHandles)
  cube: new THREE.BoxGeometry(1, 1, 1),
  knob: new THREE.SphereGeometry(0.7, 12, 8),
  disc: new THREE.CylinderGeometry(0.9, 0.9, 0.15, 20).rotateX(Math.PI / 2),
};

export class View3D extends LayeredView {
  constructor(el, hub) {
    super(el, hub, "canvas3d");
    this.camera = new THREE.PerspectiveCamera(55, 1, 0.05, 5000);
    this.camera.up.set(0, 0, 1);
    this.camera.position.set(-14, 0, 12);
    this.controls = new OrbitControls(this.camera, this.domElement);
    this.controls.target.set(10, 0, 0);
    this.controls.zoomToCursor = true;
    this.controls.screenSpacePanning = false;
    this.controls.enableDamping = false;
    this.controls.zoomSpeed = 1.2;
    this.controls.addEventListener("change", () => this.requestRender());
    this.controls.addEventListener("start", () => { this.moving = true; });
    this.controls.addEventListener("end", () => { this.moving = false; this.requestRender(); });
    this.controls.update();
    this.material = makeMaterial();
    this.overlay = new THREE.Group();
    this.topScene.add(this.overlay);
    this.handles = new THREE.Group();
    this.topScene.add(this.handles);
    this._placed = false;
    this._drag = null;
    this.resize();
    const dom = this.domElement;
    dom.addEventListener("pointerdown", (e) => this.onDown(e));
    dom.addEventListener("pointermove", (e) => this.onMove(e));
    dom.addEventListener("pointerup", (e) => this.onUp(e));
    dom.addEventListener("contextmenu", (e) => e.preventDefault());
  }

  onResize() {
    if (!this.camera) { return; }
    this.camera.aspect = this.width / this.height;
    this.camera.updateProjectionMatrix();
  }

  beforeRender() { this.scaleHandles(); }

  // -- data -----------------------------------------------------------------------------------
  setCloud(cloud, colours, flags) {
    super.setCloud(cloud, colours, flags);
    if (!this._placed && cloud.n) { this.placeInitial(cloud); }
  }

  applySettings(settings) { applySettings(this.material, settings); this.requestRender(); }

  // A scan far from the origin (or a small one): look at its middle from behind and above.
  placeInitial(cloud) {
    this._placed = true;
    const sphere = this.points.geometry.boundingSphere;
    const r = sphere.radius, c = sphere.center;
    if (r > 60 && c.length() < r) { return; }  // a driving sweep: the default view fits
    this.controls.target.copy(c);
    const d = Math.max(r * 1.6, 0.5);
    this.camera.position.set(c.x - d * 0.8, c.y, c.z + d * 0.6);
    this.camera.near = Math.max(d / 1000, 0.001);
    this.camera.updateProjectionMatrix();
    this.controls.update();
  }

  setAnnotations() {
    const hub = this.hub;
    this.topScene.remove(this.overlay);
    disposeGroup(this.overlay);
    this.overlay = buildOverlay(hub.annotations(), hub.selection, hub.config, false);
    this.topScene.add(this.overlay);
    this.updateHandles();
    this.requestOverlay();
  }

  // -- navigation -------------------------------------------------------------------------------
  focus(center, radius) {
    const dir = new THREE.Vector3().subVectors(this.camera.position, this.controls.target).normalize();
    const target = new THREE.Vector3(center[0], center[1], center[2]);
    const dist = Math.max(radius, 0.3) * 1.4 / Math.tan((this.camera.fov * Math.PI) / 360);  // the radius fills most of the height
    this.controls.target.copy(target);
    this.camera.position.copy(target).addScaledVector(dir, dist);
    this.controls.update();
    this.requestRender();
  }

  // -- handles on the selected box ----------------------------------------------------------------
  updateHandles() {
    for (const h of [...this.handles.children]) { this.handles.remove(h); }
    const c = this.hub.selected();
    if (!c || c.type !== "cuboid" || c.status === "rejected") { return; }
    const [l, w, h] = c.size_lwh, R = rotation(c);
    const add = (geom, colour, local, kind, extra = {}) => {
      const material = sharedMaterial(`handle-${colour}`,
        () => new THREE.MeshBasicMaterial({ color: colour, depthTest: false, transparent: true, opacity: 0.9 }));
      const m = new THREE.Mesh(geom, material);
      const p = toWorld(c, local, R);
      m.position.set(p[0], p[1], p[2]);
      m.rotation.order = "ZYX";
      m.rotation.set(c.roll || 0, c.pitch || 0, c.yaw);
      m.renderOrder = 20;
      m.userData = { kind, ...extra };
      this.handles.add(m);
      return m;
    };
    const cube = HANDLE_GEOMETRY.cube;
    const faces = [[0, 1, 0xff5252], [0, -1, 0xff5252], [1, 1, 0x69f0ae], [1, -1, 0x69f0ae], [2, 1, 0x40c4ff], [2, -1, 0x40c4ff]];
    for (const [axis, sign, colour] of faces) {
      const local = [0, 0, 0];
      // the top and bottom squares stand off their faces: the move disc is on the top face
      local[axis] = sign * (c.size_lwh[axis] / 2 + (axis === 2 ? 0.5 : 0));
      add(cube, colour, local, "face", { axis, sign });
    }
    add(HANDLE_GEOMETRY.knob, 0xffd54f, [l / 2 + Math.max(0.6, l * 0.25), 0, 0], "turn");
    add(HANDLE_GEOMETRY.disc, 0xffffff, [0, 0, h / 2], "move");
  }

  scaleHandles() {
    for (const m of this.handles.children) {
      const d = m.position.distanceTo(this.camera.position);
      m.scale.setScalar(Math.max(0.02, d * 0.018));
    }
  }

  // -- pointer --------------------------------------------------------------------------------------
  ray(e) {
    const r = this.renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(((e.clientX - r.left) / r.width) * 2 - 1, -((e.clientY - r.top) / r.height) * 2 + 1);
    const rc = new THREE.Raycaster();
    rc.setFromCamera(ndc, this.camera);
    return rc;
  }

  onDown(e) {
    this._down = { x: e.clientX, y: e.clientY, t: performance.now(), button: e.button };
    if (e.button !== 0) { return; }
    const hit = this.ray(e).intersectObjects(this.handles.children, false)[0];
    if (!hit) { return; }
    const c = this.hub.selected();
    this.controls.enabled = false;  // OrbitControls' own pointerdown comes after this one
    this.domElement.setPointerCapture(e.pointerId);
    this._drag = { kind: hit.object.userData.kind, axis: hit.object.userData.axis, sign: hit.object.userData.sign,
                   box: c, start: this.dragPoint(e, hit.object.userData, c) };
  }

  // Where the pointer is for a drag: on the horizontal plane through the box (move, turn), or
  // the parameter along a face's axis line closest to the pointer's ray (resize).
  dragPoint(e, h, c) {
    const ray = this.ray(e).ray;
    if (h.kind === "face") {
      const R = rotation(c), a = h.axis;
      const d = new THREE.Vector3(R[a], R[3 + a], R[6 + a]).multiplyScalar(h.sign);
      const p0 = new THREE.Vector3(...c.center);
      const r = ray.direction, w0 = new THREE.Vector3().subVectors(p0, ray.origin);
      const b = d.dot(r), cc = r.dot(r), dd = d.dot(w0), ee = r.dot(w0), den = cc - b * b;
      return Math.abs(den) < 1e-9 ? null : (b * ee - cc * dd) / den;
    }
    const plane = new THREE.Plane(new THREE.Vector3(0, 0, 1), -c.center[2] - (h.kind === "move" ? c.size_lwh[2] / 2 : 0));
    const p = new THREE.Vector3();
    return ray.intersectPlane(plane, p) ? p : null;
  }

  onMove(e) {
    const d = this._drag;
    if (!d) { return; }
    const p = this.dragPoint(e, d, d.box);
    if (p == null || d.start == null) { return; }
    const c = d.box;
    let box = c;
    if (d.kind === "move") {
      box = { ...c, center: [c.center[0] + p.x - d.start.x, c.center[1] + p.y - d.start.y, c.center[2]] };
    } else if (d.kind === "turn") {
      const a0 = Math.atan2(d.start.y - c.center[1], d.start.x - c.center[0]);
      const a1 = Math.atan2(p.y - c.center[1], p.x - c.center[0]);
      box = { ...c, yaw: wrapAngle(c.yaw + a1 - a0) };
    } else if (d.kind === "face") {
      const delta = p - d.start, size = c.size_lwh.slice();
      const grown = Math.max(this.hub.config.steps.min_size, size[d.axis] + delta);
      const shift = (grown - size[d.axis]) / 2 * d.sign;
      size[d.axis] = grown;
      const local = [0, 0, 0];
      local[d.axis] = shift;
      const w = toWorld({ ...c, center: [0, 0, 0] }, local);
      box = { ...c, size_lwh: size, center: [c.center[0] + w[0], c.center[1] + w[1], c.center[2] + w[2]] };
    }
    d.current = box;
    this.hub.previewBox(box);
  }

  onUp(e) {
    const d = this._drag;
    this._drag = null;
    this.controls.enabled = true;
    if (d) {
      if (d.current) { this.hub.setBox(d.current); } else { this.hub.previewBox(null); }
      return;
    }
    const down = this._down;
    if (!down || down.button !== 0 || Math.hypot(e.clientX - down.x, e.clientY - down.y) > CLICK_PX) { return; }
    this.click(e);
  }

  // A click: select the box under the cursor, or act at the point under it (fit / select /
  // polyline vertex, by mode).
  click(e) {
    const hub = this.hub, ray = this.ray(e).ray;
    const o = ray.origin.toArray(), dir = ray.direction.toArray();
    const pt = this.pickPoint(e);
    if (hub.mode === "select") {
      let best = null;
      for (const c of hub.cuboids()) {
        const t = rayHit(c, o, dir);
        if (t !== null && (!best || t < best.t)) { best = { c, t }; }
      }
      if (best && (!pt || best.t <= pt.depth + 0.5)) { hub.select(best.c.id); return; }
    }
    if (!pt) { if (hub.mode === "select") { hub.select(null); } return; }
    const req = { x: pt.xyz[0], y: pt.xyz[1], z: pt.xyz[2], source: "3d" };
    hub.request(hub.mode === "fit" ? "fit" : hub.mode === "polyline" ? "vertex" : "select", req);
  }

  // The nearest shown point within a few pixels of the cursor: the surface a person points at.
  pickPoint(e) {
    const cloud = this.hub.cloud;
    if (!cloud) { return null; }
    const r = this.renderer.domElement.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top, W = r.width, H = r.height;
    this.camera.updateMatrixWorld();
    const m = new THREE.Matrix4().multiplyMatrices(this.camera.projectionMatrix, this.camera.matrixWorldInverse).elements;
    const xyz = cloud.xyz, shown = visibleTest(cloud, this.hub.settings, this.hub.ground);
    const rad = Math.max(CLICK_PX, this.hub.settings.size * 2);
    let best = -1, bestW = Infinity;
    for (let i = 0; i < cloud.n; i++) {
      const x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
      const w = m[3] * x + m[7] * y + m[11] * z + m[15];
      if (w <= this.camera.near) { continue; }
      const sx = ((m[0] * x + m[4] * y + m[8] * z + m[12]) / w * 0.5 + 0.5) * W;
      const sy = (0.5 - (m[1] * x + m[5] * y + m[9] * z + m[13]) / w * 0.5) * H;
      if (Math.abs(sx - px) > rad || Math.abs(sy - py) > rad) { continue; }
      if ((sx - px) ** 2 + (sy - py) ** 2 > rad * rad || w >= bestW || !shown(i)) { continue; }
      best = i; bestW = w;
    }
    return best < 0 ? null : { index: best, xyz: [xyz[3 * best], xyz[3 * best + 1], xyz[3 * best + 2]], depth: bestW };
  }
}
