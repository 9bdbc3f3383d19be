// The sweep as GPU points: positions and colours uploaded once per frame (colours again only
// when the colour mode changes); range filter, ground hiding and point size are uniforms, so
// changing them costs no upload.

import * as THREE from "three";
import { TURBO, VIRIDIS, robustRange } from "./colormaps.js";

const VERT = `
attribute vec3 color;
attribute float flag;
uniform float size;
uniform float rmin;
uniform float rmax;
uniform float hideGround;
varying vec3 vColor;
void main() {
  float r = length(position.xy);
  if (r < rmin || r > rmax || (hideGround > 0.5 && flag > 0.5)) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    gl_PointSize = 0.0;
    return;
  }
  vColor = color;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
  gl_PointSize = size;
}`;

const FRAG = `
varying vec3 vColor;
void main() { gl_FragColor = vec4(vColor, 1.0); }`;

export function makeMaterial() {
  return new THREE.ShaderMaterial({
    vertexShader: VERT, fragmentShader: FRAG,
    uniforms: { size: { value: 1.5 }, rmin: { value: 0 }, rmax: { value: 1e9 }, hideGround: { value: 0 } },
  });
}

export function applySettings(material, settings, scale = 1) {
  const u = material.uniforms;
  u.size.value = settings.size * scale;
  u.rmin.value = settings.range[0] || 0;
  u.rmax.value = isFinite(settings.range[1]) ? settings.range[1] : 1e9;
  u.hideGround.value = settings.hideGround ? 1 : 0;
}

// A Points object over the cloud's xyz (Float32Array, shared by every view of the page).
export function makePoints(cloud, colours, flags, material) {
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", new THREE.BufferAttribute(cloud.xyz, 3));
  g.setAttribute("color", new THREE.BufferAttribute(colours, 3, true));
  g.setAttribute("flag", new THREE.BufferAttribute(flags, 1, false));  // 0 / 1 as float: not normalised
  g.computeBoundingSphere();
  const p = new THREE.Points(g, material);
  p.frustumCulled = false;
  return p;
}

// While the view moves (orbit, pan, zoom), a sweep of more than LOD_ABOVE points is drawn from
// an even random LOD_POINTS of them: the same GPU buffers (shared attributes), an index of
// the subset. At rest the next frame draws every point again.
export const LOD_ABOVE = 80000;
export const LOD_POINTS = 50000;

export function makeLod(points) {
  const n = points.geometry.attributes.position.count;
  if (n <= LOD_ABOVE) { return null; }
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) { idx[i] = i; }
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {  // Fisher-Yates with a fixed LCG: the same subset every time
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1), t = idx[i];
    idx[i] = idx[j]; idx[j] = t;
  }
  const sub = idx.slice(0, LOD_POINTS).sort();
  const g = new THREE.BufferGeometry();
  for (const name of Object.keys(points.geometry.attributes)) { g.setAttribute(name, points.geometry.attributes[name]); }
  g.setIndex(new THREE.BufferAttribute(sub, 1));
  const lod = new THREE.Points(g, points.material);
  lod.frustumCulled = false;
  lod.visible = false;
  return lod;
}

// Per-point RGB (Uint8Array n*3) for a colour mode: height, intensity, distance or rgb (a
// mode the cloud lacks falls back to height).
export function pointColours(cloud, mode) {
  const n = cloud.n, xyz = cloud.xyz, out = new Uint8Array(n * 3);
  if (mode === "rgb" && cloud.rgb) { out.set(cloud.rgb); return out; }
  let lut = VIRIDIS, q;
  if (mode === "intensity" && cloud.intensity) {
    q = cloud.intensity;
  } else {
    const v = new Float32Array(n);
    if (mode === "distance") {
      lut = TURBO;
      for (let i = 0; i < n; i++) {
        const x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
        v[i] = Math.sqrt(x * x + y * y + z * z);
      }
    } else {
      for (let i = 0; i < n; i++) { v[i] = xyz[3 * i + 2]; }
    }
    const [lo, hi] = robustRange(v);
    const k = 255 / (hi - lo);
    q = new Uint8Array(n);
    for (let i = 0; i < n; i++) { q[i] = Math.max(0, Math.min(255, (v[i] - lo) * k)); }
  }
  for (let i = 0; i < n; i++) {
    const j = 3 * q[i];
    out[3 * i] = lut[j]; out[3 * i + 1] = lut[j + 1]; out[3 * i + 2] = lut[j + 2];
  }
  return out;
}

// Is point i shown under the view settings (range filter, ground hidden)?
export function visibleTest(cloud, settings, ground) {
  const r0 = settings.range[0] || 0, r1 = isFinite(settings.range[1]) ? settings.range[1] : Infinity;
  const xyz = cloud.xyz, hide = settings.hideGround && ground;
  return (i) => {
    const x = xyz[3 * i], y = xyz[3 * i + 1], r = Math.sqrt(x * x + y * y);
    return r >= r0 && r <= r1 && !(hide && ground[i]);
  };
}
