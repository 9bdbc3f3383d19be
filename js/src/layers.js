// A view drawn on two stacked WebGL canvases: the points below (drawn again only when the
// camera, the cloud or its colours change), the annotation layer above (boxes, selection,
// handles: drawn again on every edit, cheaply). A key nudge so never re-rasterises the sweep.
// Pointer events go to the upper canvas (`domElement`).

import * as THREE from "three";
import { makeLod, makePoints } from "./points.js";

function canvasRenderer(el, className, alpha) {
  const r = new THREE.WebGLRenderer({ antialias: false, alpha, preserveDrawingBuffer: false });
  r.setPixelRatio(1);
  if (alpha) { r.setClearColor(0x000000, 0); }
  r.domElement.className = className;
  el.appendChild(r.domElement);
  return r;
}

export class LayeredView {
  constructor(el, hub, className) {
    this.el = el;
    this.hub = hub;
    this.renderer = canvasRenderer(el, `${className} layer-points`, false);
    this.topRenderer = canvasRenderer(el, `${className} layer-overlay`, true);
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x111418);
    this.topScene = new THREE.Scene();
    this.points = null;
    this.lod = null;
    this.lodEnabled = true;  // a benchmark turns it off to measure moving with every point
    this.moving = false;
    this.frames = 0;       // frames drawn (any layer)
    this.pointFrames = 0;  // frames that drew the points again
    this._baseDirty = true;
    this._pending = false;
    new ResizeObserver(() => this.resize()).observe(el);
  }

  get domElement() { return this.topRenderer.domElement; }
  get width() { return Math.max(1, this.el.clientWidth); }
  get height() { return Math.max(1, this.el.clientHeight); }

  resize() {
    for (const r of [this.renderer, this.topRenderer]) {
      r.setSize(this.width, this.height, false);
      r.domElement.style.width = this.width + "px";
      r.domElement.style.height = this.height + "px";
    }
    this.onResize();
    this.requestRender();
  }

  onResize() {}

  requestRender() {  // both layers (the camera, the points or their colours changed)
    this._baseDirty = true;
    this._schedule();
  }

  requestOverlay() {  // the annotation layer only
    this._schedule();
  }

  _schedule() {
    if (this._pending) { return; }
    this._pending = true;
    requestAnimationFrame(() => { this._pending = false; this.render(); });
  }

  render() {
    this.beforeRender();
    if (this.lod) {
      const sparse = this.moving && this.lodEnabled;
      this.lod.visible = sparse;
      this.points.visible = !sparse;
    }
    if (this._baseDirty) {
      this._baseDirty = false;
      this.renderer.render(this.scene, this.camera);
      this.pointFrames += 1;
    }
    this.topRenderer.render(this.topScene, this.camera);
    this.frames += 1;
  }

  beforeRender() {}

  setCloud(cloud, colours, flags) {
    for (const p of [this.points, this.lod]) { if (p) { this.scene.remove(p); p.geometry.dispose(); } }
    this.points = makePoints(cloud, colours, flags, this.material);
    this.scene.add(this.points);
    this.lod = makeLod(this.points);
    if (this.lod) { this.scene.add(this.lod); }
    this.requestRender();
  }

  setColours(colours) { this._setAttribute("color", colours); }

  setFlags(flags) { this._setAttribute("flag", flags); }

  _setAttribute(name, values) {
    if (!this.points) { return; }
    const a = this.points.geometry.getAttribute(name);
    a.array.set(values);
    a.needsUpdate = true;
    this.requestRender();
  }
}
