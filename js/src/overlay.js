// Annotation layers of the 3D view and the BEV: cheap line geometry rebuilt from the
// annotations as drawn (a few hundred vertices), never touching the points.

import * as THREE from "three";
import { hexToRgb } from "./colormaps.js";
import { segments } from "./cuboid.js";

const VERTEX = "#ffd54f";

// Shared by every rebuild and never disposed: a new material per edit would make three.js
// compile (and link) its shader program again on every key press.
const MATERIALS = {
  line: new THREE.LineBasicMaterial({ vertexColors: true, depthTest: false, transparent: true }),
  dashed: new THREE.LineDashedMaterial({ vertexColors: true, dashSize: 0.3, gapSize: 0.2, depthTest: false, transparent: true }),
  vertices: new THREE.PointsMaterial({ size: 7, sizeAttenuation: false, vertexColors: true, depthTest: false }),
  fill: new THREE.MeshBasicMaterial({ transparent: true, opacity: 0.15, depthWrite: false, depthTest: false }),
};
const FILLS = new Map();  // class colour -> its fill material (a few classes)

export function sharedMaterial(key, make) {
  if (!MATERIALS[key]) { MATERIALS[key] = make(); }
  return MATERIALS[key];
}

export function classColour(config, label) {
  return (config.class_colours && config.class_colours[label]) || "#a0a0a0";
}

function lineSegments(pairs, colours, opts = {}) {
  const pos = new Float32Array(pairs.length * 6), col = new Float32Array(pairs.length * 6);
  pairs.forEach(([a, b], i) => {
    pos.set([a[0], a[1], a[2] + (opts.lift || 0), b[0], b[1], b[2] + (opts.lift || 0)], 6 * i);
    const c = colours[i];
    col.set([c[0], c[1], c[2], c[0], c[1], c[2]], 6 * i);
  });
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", new THREE.BufferAttribute(pos, 3));
  g.setAttribute("color", new THREE.BufferAttribute(col, 3));
  const l = new THREE.LineSegments(g, opts.dashed ? MATERIALS.dashed : MATERIALS.line);
  if (opts.dashed) { l.computeLineDistances(); }
  l.renderOrder = opts.order || 10;
  l.frustumCulled = false;
  return l;
}

const rgb01 = (hex) => hexToRgb(hex).map((v) => v / 255);

function polylinePairs(p) {
  const v = p.vertices, out = [];
  for (let i = 0; i + 1 < v.length; i++) { out.push([v[i], v[i + 1]]); }
  if (p.closed && v.length > 2) { out.push([v[v.length - 1], v[0]]); }
  return out;
}

// A THREE.Group of every annotation's lines: confirmed boxes by class colour, proposals dashed
// orange, the selected box or polyline white (with a faint fill), polyline vertices as dots.
export function buildOverlay(anns, selection, config, bottomOnly, lift = 0) {
  const group = new THREE.Group();
  const PROPOSAL = config.colours.proposal, SELECTED = config.colours.selected;
  const topo = config.topology;
  const boxPairs = [], boxCols = [], propPairs = [], propCols = [], linePairs = [], lineCols = [];
  const verts = [], vertCols = [];
  let sel = null;
  for (const a of anns) {
    if (a.status === "rejected" || (a.type !== "cuboid" && a.type !== "polyline")) { continue; }  // DontCare, redact regions: cameras only
    if (a.id === selection.id) { sel = a; }
    if (a.type === "cuboid") {
      const segs = segments(a, topo, bottomOnly);
      const proposal = a.status === "proposal";
      const c = rgb01(proposal ? PROPOSAL : classColour(config, a.label));
      for (const s of segs) { (proposal ? propPairs : boxPairs).push(s); (proposal ? propCols : boxCols).push(c); }
    } else if (a.type === "polyline") {
      const c = rgb01(classColour(config, a.label));
      for (const s of polylinePairs(a)) { linePairs.push(s); lineCols.push(c); }
      a.vertices.forEach((v, k) => {
        verts.push(v[0], v[1], v[2] + lift);
        const active = a.id === selection.id && k === selection.vertex;
        vertCols.push(...rgb01(active ? SELECTED : VERTEX));
      });
    }
  }
  if (boxPairs.length) { group.add(lineSegments(boxPairs, boxCols, { lift })); }
  if (propPairs.length) { group.add(lineSegments(propPairs, propCols, { lift, dashed: true })); }
  if (linePairs.length) { group.add(lineSegments(linePairs, lineCols, { lift })); }
  if (verts.length) {
    const g = new THREE.BufferGeometry();
    g.setAttribute("position", new THREE.BufferAttribute(new Float32Array(verts), 3));
    g.setAttribute("color", new THREE.BufferAttribute(new Float32Array(vertCols), 3));
    const p = new THREE.Points(g, MATERIALS.vertices);
    p.renderOrder = 12;
    group.add(p);
  }
  if (sel) {
    const white = rgb01(SELECTED);
    const pairs = sel.type === "cuboid" ? segments(sel, topo, bottomOnly) : polylinePairs(sel);
    group.add(lineSegments(pairs, pairs.map(() => white), { lift: lift + 0.01, order: 11 }));
    if (sel.type === "cuboid") { group.add(boxFill(sel, classColour(config, sel.label), bottomOnly)); }
  }
  group.userData.selected = sel;
  return group;
}

function boxFill(c, colour, flat) {
  const g = new THREE.BoxGeometry(c.size_lwh[0], c.size_lwh[1], flat ? 0.01 : c.size_lwh[2]);
  if (!FILLS.has(colour)) { const m = MATERIALS.fill.clone(); m.color.set(colour); FILLS.set(colour, m); }
  const mesh = new THREE.Mesh(g, FILLS.get(colour));
  mesh.position.set(c.center[0], c.center[1], flat ? c.center[2] - c.size_lwh[2] / 2 : c.center[2]);
  mesh.rotation.set(0, 0, 0);
  mesh.rotation.order = "ZYX";
  mesh.rotation.set(c.roll || 0, c.pitch || 0, c.yaw);
  mesh.renderOrder = 9;
  return mesh;
}

// Free a layer's geometry (its materials are shared and stay).
export function disposeGroup(group) {
  group.traverse((o) => { if (o.geometry) { o.geometry.dispose(); } });
}
