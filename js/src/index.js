// pointlabel's canvas: the 3D view, the BEV, the box views and the cameras, drawn in the
// browser from data fetched once per frame, and the clientside callbacks that connect them to
// the Dash page (pointlabel/app/callbacks/canvas.py registers them):
//
//   config-store      -> configure(config)   ids, topology, steps, class colours, cameras
//   frame-slider      -> frame(index)        fetch the sweep and the camera points, draw
//   annotations-store -> state(state)        the store's page state of the frame
//   selection-store   -> selection(sel)      highlight, handles, box views, BEV follows
//   mode / settings   -> mode(m), settings(colour, size, range, hideGround)
//   camera-overlays   -> cameraOverlays(d)   the server's projections of the annotations
//   focus-store       -> focus(f)            centre the views on a point (a QA finding)
//
// window.pointlabelCanvas is this module's state for scripts and tests (read-only use).

import { BevView } from "./bev.js";
import { BoxViews } from "./boxviews.js";
import { Cameras } from "./cameras.js";
import { Hub } from "./hub.js";
import { installPaint } from "./paint.js";
import { pointColours } from "./points.js";
import { View3D } from "./view3d.js";
import { fetchMessage } from "./wire.js";

const hub = new Hub();
const canvas = { hub, view3d: null, bev: null, boxViews: null, cameras: new Cameras(hub), loads: 0 };
window.pointlabelCanvas = canvas;
canvas.paint = installPaint(canvas);  // point-wise labelling (paint.js): listens to the hub's cloud / colours / settings / ground

function noUpdate() { return window.dash_clientside.no_update; }

function mountViews() {
  const ids = hub.config.ids;
  const el3d = document.getElementById(ids.view3d), elBev = document.getElementById(ids.bev);
  const elBox = document.getElementById(ids.boxViews);
  if (el3d && (!canvas.view3d || canvas.view3d.el !== el3d)) { canvas.view3d = new View3D(el3d, hub); }
  if (elBev && (!canvas.bev || canvas.bev.el !== elBev)) { canvas.bev = new BevView(elBev, hub); }
  if (elBox && (!canvas.boxViews || canvas.boxViews.el !== elBox)) { canvas.boxViews = new BoxViews(elBox, hub); }
  canvas.cameras.mount();
}

function views() { return [canvas.view3d, canvas.bev].filter(Boolean); }

function redrawAnnotations() {
  for (const v of views()) { v.setAnnotations(); }
  if (canvas.boxViews) { canvas.boxViews.requestRender(); }
  canvas.cameras.redrawOverlays();
}

hub.on("annotations", redrawAnnotations);
// The BEV keeps the selection in view; the 3D view comes to it when the labeller picked it
// from a list (objects, QA findings) or by Tab, not when it was clicked or fitted in a view.
hub.on("selection", ({ changed, origin }) => {
  redrawAnnotations();
  const c = hub.selected();
  if (changed && c && c.type === "cuboid") {
    if (canvas.bev) { canvas.bev.follow(c, origin === "list" || origin === "key"); }
    if ((origin === "list" || origin === "key") && canvas.view3d) { focusOn(c); }
  }
});
document.addEventListener("click", (e) => {
  if (e.target && e.target.closest && e.target.closest("#object-list, #review-list")) { hub.listClickedAt = Date.now(); }
}, true);

function focusOn(c) {
  const r = Math.hypot(...c.size_lwh) / 2;
  if (canvas.view3d) { canvas.view3d.focus(c.center, r); }
  if (canvas.bev) { canvas.bev.follow(c, true); }
}

// -- frames -------------------------------------------------------------------------------------
// The next frame's messages are fetched while the labeller works on this one (labellers step
// through a sequence), so `.` finds them here; a few frames' worth at most.
const prefetched = new Map();  // url -> Promise of the message
const PREFETCH_KEEP = 8;

function fetchCached(url, signal) {
  const hit = prefetched.get(url);
  if (hit) { prefetched.delete(url); return hit; }
  return fetchMessage(url, signal);
}

function prefetch(index) {
  if (!hub.config || index < 0 || index >= hub.config.frames) { return; }
  const urls = [hub.url(`/cloud/${index}`), ...(hub.config.cameras || []).map((n) => hub.url(`/camera/${index}/${encodeURIComponent(n)}`))];
  for (const url of urls) {
    if (prefetched.has(url)) { continue; }
    const p = fetchMessage(url);
    p.catch(() => prefetched.delete(url));
    prefetched.set(url, p);
  }
  for (const n of hub.config.cameras || []) { new Image().src = hub.url(`/image/${index}/${encodeURIComponent(n)}`); }
  while (prefetched.size > PREFETCH_KEEP) { prefetched.delete(prefetched.keys().next().value); }
}
canvas.fetchMessage = fetchCached;  // the cameras read through the same cache

let loading = null;
async function loadFrame(index) {
  if (loading) { loading.abort(); }
  const ctl = new AbortController();
  loading = ctl;
  mountViews();
  const t0 = performance.now();
  try {
    const cams = canvas.cameras.load(index, ctl.signal);
    const msg = await fetchCached(hub.url(`/cloud/${index}`), ctl.signal);
    if (ctl.signal.aborted) { return; }
    const a = msg.arrays;
    hub.cloud = { meta: msg.meta, xyz: a.xyz, intensity: a.intensity || null, rgb: a.rgb || null, n: a.xyz.length / 3 };
    hub.index = index;
    hub.frameId = msg.meta.frame;
    hub.ground = null;
    const colours = pointColours(hub.cloud, hub.settings.colour);
    const flags = new Uint8Array(hub.cloud.n);
    for (const v of views()) { v.setCloud(hub.cloud, colours, flags); v.applySettings(hub.settings); }
    hub.emit("cloud", colours);
    if (hub.settings.hideGround) { loadGround(); }
    redrawAnnotations();
    const sel = hub.selected();
    if (sel && canvas.bev) { canvas.bev.follow(sel); }
    await cams;
    canvas.loads += 1;
    canvas.lastLoadMs = performance.now() - t0;
    setTimeout(() => { if (hub.index === index) { prefetch(index + 1); } }, 300);
  } catch (e) {
    if (e.name !== "AbortError") { hub.status(`could not load frame: ${e.message}`); }
  } finally {
    if (loading === ctl) { loading = null; }
  }
}

async function loadGround() {
  const frame = hub.frameId;
  try {
    const msg = await fetchMessage(hub.url(`/ground/${hub.index}`));
    if (hub.frameId !== frame) { return; }
    hub.ground = msg.arrays.ground;
    for (const v of views()) { v.setFlags(hub.ground); }
    hub.emit("ground");
  } catch (e) { hub.status(`ground: ${e.message}`); }
}

// -- keyboard -------------------------------------------------------------------------------------
// What Tab steps through: the frame's boxes and polylines (not DontCare or redact regions).
function cuboidOrder() {
  return hub.annotations().filter((a) => a.status !== "rejected" && (a.type === "cuboid" || a.type === "polyline"));
}

function selectStep(step) {
  const items = cuboidOrder();
  if (!items.length) { return; }
  const i = items.findIndex((a) => a.id === hub.selection.id);
  const j = i < 0 ? (step > 0 ? 0 : items.length - 1) : (i + step + items.length) % items.length;
  hub.select(items[j].id, null, "key");
}

function onKey(e) {
  const t = e.target, tag = t && t.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) {
    if (e.key === "Escape" && t.blur) { t.blur(); }
    return;
  }
  const km = hub.config && hub.config.keymap;
  if (!km || !e.key) { return; }
  const key = e.key === " " ? "space" : e.key.toLowerCase();
  const mods = (e.ctrlKey || e.metaKey ? "ctrl+" : "") + (e.altKey ? "alt+" : "");
  const target = km[mods + (e.shiftKey ? "shift+" : "") + key] || km[mods + key];
  if (!target) { return; }
  e.preventDefault();
  if (target.click) {
    const el = document.getElementById(target.click);
    if (el) { el.click(); }
  } else if (target.nudge) {
    hub.nudge(target.nudge, e.shiftKey);
  } else if (target.edit) {
    hub.history(target.edit);
  } else if (target.select) {
    selectStep(target.select === "next" ? 1 : -1);
  } else if (target.view === "focus") {
    const c = hub.selected();
    if (c && c.type === "cuboid") { focusOn(c); }
  } else if (target.view === "ground") {
    window.dash_clientside.set_props(hub.config.ids.hideGround, { value: hub.settings.hideGround ? [] : ["hide"] });
  } else if (target.set) {
    const props = {};
    props[target.set[1]] = target.set[2];
    window.dash_clientside.set_props(target.set[0], props);
  }
}
document.addEventListener("keydown", onKey);

// -- the clientside callbacks ---------------------------------------------------------------------
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  canvas: {
    configure(config, client) {
      hub.config = config;
      if (client) { hub.client = client; }  // the page load's id (client-store): its edits are its own undo steps
      mountViews();
      return noUpdate();
    },
    frame(index, config) {
      if (!hub.config && config) { hub.config = config; }
      if (hub.config && index != null) { loadFrame(Number(index)); }
      return noUpdate();
    },
    state(state) {
      hub.setState(state);
      return noUpdate();
    },
    selection(sel) {
      hub.setSelection(sel);
      return noUpdate();
    },
    mode(mode) {
      hub.mode = mode || "select";
      return noUpdate();
    },
    settings(colour, size, range, hide, redacted) {
      const before = hub.settings;
      const hideGround = Array.isArray(hide) ? hide.includes("hide") : !!hide;
      const rmax = range && range[1] != null && hub.config && range[1] < hub.config.range_max ? range[1] : Infinity;
      hub.settings = { colour: colour || "height", size: Number(size) || 1.5, range: [range ? range[0] || 0 : 0, rmax], hideGround,
                       redacted: Array.isArray(redacted) && redacted.includes("on") };
      if (hub.settings.redacted !== before.redacted) { canvas.cameras.setImages(); }
      if (hub.cloud && colour !== before.colour) {
        const c = pointColours(hub.cloud, hub.settings.colour);
        for (const v of views()) { v.setColours(c); }
        hub.emit("colours", c);
      }
      if (hideGround && !hub.ground && hub.cloud) { loadGround(); }
      for (const v of views()) { v.applySettings(hub.settings); }
      hub.emit("settings");
      return noUpdate();
    },
    cameraOverlays(data) {
      canvas.cameras.setOverlays(data);
      return noUpdate();
    },
    focus(f) {
      if (!f) { return noUpdate(); }
      const go = () => {
        if (hub.frameId !== f.frame) { setTimeout(go, 100); return; }
        const r = f.radius || 3;
        if (canvas.view3d) { canvas.view3d.focus([f.x, f.y, f.z], r); }
        if (canvas.bev) { canvas.bev.centre(f.x, f.y); }
      };
      go();
      return noUpdate();
    },
  },
});
