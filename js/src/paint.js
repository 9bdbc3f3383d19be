// Point-wise labelling on the canvas: paint a semantic class and an instance id onto points.
//
// The server selects and stores (pointlabel/pointlabels, endpoints under /pointlabels, one
// undoable op per stroke); this module sends the tool's geometry, shows painted points in the
// class colours in the 3D view, the BEV and every camera, and hides labelled points on demand.
//
// The hook (js/src/index.js): `installPaint(canvas)` once; the hub then emits
//   "cloud"    (colours)  a frame's sweep is drawn with these base colours
//   "colours"  (colours)  the colour mode changed
//   "settings"            view settings applied (point size, range, hide ground)
//   "ground"              the ground flags arrived
// and cameras.js asks `hub.cameraTint(name, n)` for painted points' colours (RGBA, n*4; A = 0:
// unpainted) when it draws a camera's points.
//
// Keys: y toggles paint mode. In paint mode: b brush, l lasso, c fill this cluster, x points
// in the selected box, g ground, e eraser on/off, [ ] brush radius, 1-9 classes of the palette,
// n a new instance id, i no instance, v hide / show labelled points, p carry the previous frame's
// labels onto this one (static points through the poses, tracked boxes with their box), Ctrl+Z / Ctrl+Y undo / redo
// (this page's paint ops), Escape or y leaves. Left button = the tool (brush / lasso: drag;
// cluster: click); right-drag and the wheel still pan and zoom.
//
// window.pointlabelPaint is this module's state for scripts and tests (read-only use).

import * as THREE from "three";

const PREFIX = "/pointlabels";
const CLICK_PX = 5;
const PALETTE = ["road", "sidewalk", "building", "vegetation", "terrain", "car", "person", "pole", "other-object"];
const TOOLS = { b: "brush", l: "lasso", c: "cluster" };

export function installPaint(canvas) {
  const hub = canvas.hub;
  const P = {
    on: false, tool: "brush", erase: false, radius: 0.5, classId: null, instance: 0, hideLabelled: false,
    depth: null,             // [near, far] metres for the lasso in 3D, or null
    classes: null,           // {labels: {id: name}, color_map: {id: [r, g, b]}}
    palette: [],             // class ids of keys 1-9
    frame: null, version: 0, sem: null, inst: null,   // labels of the points the views draw
    cams: {},                // camera -> {sem} for the points each camera draws
    base: null,              // the views' own colours of the current frame
    ops: 0, done: 0, failed: 0, lastOp: null, counts: null, error: null,
  };
  window.pointlabelPaint = P;
  const ui = buildToolbar();

  // -- labels from the server ---------------------------------------------------------------
  async function loadClasses() {
    try {
      const r = await fetch(`${PREFIX}/classes`, { cache: "no-store" });
      P.classes = await r.json();
      const byName = {};
      for (const [id, name] of Object.entries(P.classes.labels)) { byName[name] = Number(id); }
      P.palette = PALETTE.map((n) => byName[n]).filter((v) => v !== undefined);
      if (!P.palette.length) {  // a project's own class map: its first nine classes
        P.palette = Object.keys(P.classes.labels).map(Number).filter((id) => id !== 0).sort((x, y) => x - y).slice(0, 9);
      }
      if (P.classId === null) { P.classId = P.palette[0] !== undefined ? P.palette[0] : 1; }
      fillClassSelect();
      render();
    } catch (e) { P.error = `classes: ${e.message}`; }
  }

  async function fetchLabels(query) {
    const r = await fetch(`${PREFIX}/${encodeURIComponent(hub.frameId)}.bin?${query}`, { cache: "no-store" });
    if (!r.ok) { throw new Error(`labels: HTTP ${r.status}`); }
    const n = Number(r.headers.get("X-Pointlabels-Points")), buf = await r.arrayBuffer();
    return { n, version: Number(r.headers.get("X-Pointlabels-Version")),
             sem: new Uint16Array(buf, 0, n), inst: new Uint16Array(buf, 2 * n, n) };
  }

  async function refresh() {
    const frame = hub.frameId;
    if (!frame || !hub.cloud) { return; }
    try {
      const got = await fetchLabels("order=view");
      if (hub.frameId !== frame) { return; }
      if (got.n !== hub.cloud.n) { P.error = `labels for ${got.n} points, the view has ${hub.cloud.n}`; return; }
      Object.assign(P, { frame, version: got.version, sem: got.sem, inst: got.inst });
      const cams = {};
      await Promise.all((hub.config.cameras || []).map(async (name) => {
        try { cams[name] = await fetchLabels(`order=camera&camera=${encodeURIComponent(name)}`); } catch (e) { /* no image */ }
      }));
      if (hub.frameId !== frame) { return; }
      P.cams = cams;
      const c = await fetch(`${PREFIX}/${encodeURIComponent(frame)}/counts`, { cache: "no-store" });
      P.counts = await c.json();
      recolour();
    } catch (e) { P.error = e.message; }
  }

  // -- drawing ------------------------------------------------------------------------------
  function classRgb(id) {
    const c = P.classes && P.classes.color_map[String(id)];
    return c || [255, 0, 255];
  }

  function views() { return [canvas.view3d, canvas.bev].filter(Boolean); }

  function recolour() {
    if (!P.base || !hub.cloud) { return; }
    const n = hub.cloud.n, out = new Uint8Array(P.base);
    if (P.sem && P.frame === hub.frameId && P.sem.length === n) {
      for (let i = 0; i < n; i++) {
        const s = P.sem[i];
        if (s) { const c = classRgb(s); out[3 * i] = c[0]; out[3 * i + 1] = c[1]; out[3 * i + 2] = c[2]; }
      }
    }
    for (const v of views()) { v.setColours(out); }
    applyFlags();
    canvas.cameras.mount();
    for (const v of Object.values(canvas.cameras.views)) { v.drawPoints(); }
    render();
  }

  // Hidden points: the ground (when the labeller hides it) and, here, labelled points.
  function applyFlags() {
    if (!hub.cloud) { return; }
    const n = hub.cloud.n, flags = new Uint8Array(n);
    const hideGround = hub.settings.hideGround && hub.ground && hub.ground.length === n;
    if (hideGround) { for (let i = 0; i < n; i++) { if (hub.ground[i]) { flags[i] = 255; } } }
    const hideLabelled = P.hideLabelled && P.sem && P.sem.length === n && P.frame === hub.frameId;
    if (hideLabelled) { for (let i = 0; i < n; i++) { if (P.sem[i]) { flags[i] = 255; } } }
    for (const v of views()) {
      v.setFlags(flags);
      v.material.uniforms.hideGround.value = (hub.settings.hideGround || hideLabelled) ? 1 : 0;
      v.requestRender();
    }
  }

  hub.cameraTint = (name, n) => {
    const got = P.cams[name];
    if (!got || got.n !== n || P.frame !== hub.frameId) { return null; }
    const out = new Uint8Array(4 * n);
    for (let i = 0; i < n; i++) {
      const s = got.sem[i];
      if (s) { const c = classRgb(s); out[4 * i] = c[0]; out[4 * i + 1] = c[1]; out[4 * i + 2] = c[2]; out[4 * i + 3] = 255; }
    }
    return out;
  };

  hub.on("cloud", (colours) => {
    P.base = new Uint8Array(colours);
    P.sem = null; P.cams = {}; P.counts = null;
    refresh();
  });
  hub.on("colours", (colours) => { P.base = new Uint8Array(colours); recolour(); });
  hub.on("settings", applyFlags);
  hub.on("ground", applyFlags);

  // -- ops ----------------------------------------------------------------------------------
  async function send(tool, params) {
    if (!hub.frameId) { return null; }
    const body = { tool, params, client: hub.client, version: P.version, erase: P.erase,
                   class: P.classId, instance: P.instance || null };
    P.ops += 1;
    try {
      const r = await fetch(`${PREFIX}/${encodeURIComponent(hub.frameId)}/op`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const j = await r.json();
      if (!r.ok) { P.failed += 1; P.error = j.error; hub.status(`paint: ${j.error}`); return null; }
      P.lastOp = { tool, ...j };
      hub.status(`${P.erase ? "erased" : "painted"} ${j.changed} points (${tool}), labels v${j.version}`);
      await refresh();
      return j;
    } catch (e) {
      P.failed += 1; P.error = e.message; hub.status(`paint: ${e.message}`);
      return null;
    } finally { P.done += 1; }
  }

  async function revert(kind) {
    P.ops += 1;
    try {
      const r = await fetch(`${PREFIX}/${kind}`, { method: "POST", headers: { "Content-Type": "application/json" },
                                                  body: JSON.stringify({ client: hub.client }) });
      const j = await r.json();
      P.lastOp = { tool: kind, ...j };
      hub.status(j.frame ? `paint ${kind}: ${j.changed} points` : `nothing to ${kind}`);
      await refresh();
    } finally { P.done += 1; }
  }

  async function propagate() {  // the previous frame's labels onto this one's unlabelled points
    if (!hub.frameId) { return; }
    P.ops += 1;
    try {
      const r = await fetch(`${PREFIX}/${encodeURIComponent(hub.frameId)}/propagate`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ from: "previous", client: hub.client }) });
      const j = await r.json();
      if (!r.ok) { P.failed += 1; P.error = j.error; hub.status(`propagate: ${j.error}`); return; }
      P.lastOp = { tool: "propagate", ...j };
      hub.status(`propagated ${j.changed} points (${j.boxed} with their box${j.poses ? "" : ", no poses"})`);
      await refresh();
    } finally { P.done += 1; }
  }

  async function newInstance() {
    const r = await fetch(`${PREFIX}/instances/next`, { cache: "no-store" });
    P.instance = (await r.json()).instance;
    render();
  }

  function paintBox() {
    const c = hub.selected();
    if (!c || c.type !== "cuboid") { hub.status("paint: select a box first"); return; }
    send("box", { box_id: c.id });
  }

  // -- pointer: one tool stroke per left-button drag (or click) -----------------------------
  function matrices(camera) {
    camera.updateMatrixWorld();
    const vp = new THREE.Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse);
    return { view_projection: Array.from(vp.elements), view: Array.from(camera.matrixWorldInverse.elements) };
  }

  function attach(view, kind) {
    if (!view || view.el.dataset.paint) { return; }
    view.el.dataset.paint = "1";
    const sketch = document.createElement("canvas");
    sketch.className = "paint-sketch";
    Object.assign(sketch.style, { position: "absolute", left: "0", top: "0", pointerEvents: "none", zIndex: "5" });
    view.el.appendChild(sketch);
    let stroke = null;
    const local = (e) => { const r = view.renderer.domElement.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top, r]; };
    const where = (e) => {  // the 3D point under the cursor (3D view) or the ground position (BEV)
      if (kind === "3d") { const p = view.pickPoint(e); return p ? p.xyz : null; }
      const [x, y] = view.toWorld(e);
      return [x, y, null];
    };
    const down = (e) => {
      if (!P.on || e.button !== 0) { return; }
      e.stopPropagation(); e.preventDefault();
      const [x, y] = local(e);
      stroke = { x0: e.clientX, y0: e.clientY, poly: [[x, y]], centres: [], moved: false };
      if (P.tool === "brush") { addCentre(e); }
    };
    const addCentre = (e) => {
      const p = where(e);
      if (!p) { return; }
      const c = kind === "3d" ? p : [p[0], p[1], 0];
      const last = stroke.centres[stroke.centres.length - 1];
      if (!last || Math.hypot(c[0] - last[0], c[1] - last[1], c[2] - last[2]) > P.radius * 0.3) { stroke.centres.push(c); preview(c); }
    };
    const preview = (c) => {  // painted at once on this page; the server's answer replaces it
      if (!hub.cloud || !P.base) { return; }
      const xyz = hub.cloud.xyz, n = hub.cloud.n, r2 = P.radius * P.radius, col = P.erase ? null : classRgb(P.classId);
      const a = view.points && view.points.geometry.getAttribute("color");
      if (!a) { return; }
      for (let i = 0; i < n; i++) {
        const dx = xyz[3 * i] - c[0], dy = xyz[3 * i + 1] - c[1], dz = kind === "3d" ? xyz[3 * i + 2] - c[2] : 0;
        if (dx * dx + dy * dy + dz * dz > r2) { continue; }
        const rgb = col || [P.base[3 * i], P.base[3 * i + 1], P.base[3 * i + 2]];
        a.array[3 * i] = rgb[0]; a.array[3 * i + 1] = rgb[1]; a.array[3 * i + 2] = rgb[2];
      }
      a.needsUpdate = true;
      view.requestRender();
    };
    const move = (e) => {
      if (!stroke) { return; }
      e.stopPropagation();
      if (Math.hypot(e.clientX - stroke.x0, e.clientY - stroke.y0) > CLICK_PX) { stroke.moved = true; }
      if (P.tool === "brush") { addCentre(e); } else if (P.tool === "lasso") {
        const [x, y] = local(e);
        const last = stroke.poly[stroke.poly.length - 1];
        if (Math.hypot(x - last[0], y - last[1]) >= 3) { stroke.poly.push([x, y]); drawSketch(); }
      }
    };
    const drawSketch = () => {
      const r = view.renderer.domElement.getBoundingClientRect();
      sketch.width = Math.max(1, r.width); sketch.height = Math.max(1, r.height);
      const g = sketch.getContext("2d");
      g.clearRect(0, 0, sketch.width, sketch.height);
      if (!stroke || stroke.poly.length < 2) { return; }
      g.strokeStyle = "#ffd54f"; g.lineWidth = 1.5; g.setLineDash([5, 3]);
      g.beginPath();
      stroke.poly.forEach(([x, y], k) => (k ? g.lineTo(x, y) : g.moveTo(x, y)));
      g.closePath(); g.stroke();
    };
    const up = (e) => {
      if (!stroke) { return; }
      e.stopPropagation(); e.preventDefault();
      const s = stroke;
      if (P.tool === "brush") { addCentre(e); }
      stroke = null;
      const clicked = !s.moved && Math.hypot(e.clientX - s.x0, e.clientY - s.y0) <= CLICK_PX;
      if (P.tool === "brush") {
        if (s.centres.length) { send("brush", { centres: s.centres, radius: P.radius, xy_only: kind === "bev" }); }
      } else if (P.tool === "lasso") {
        drawSketch();
        sketch.getContext("2d").clearRect(0, 0, sketch.width, sketch.height);
        if (s.poly.length >= 3 && !clicked) {
          const [, , r] = local(e);
          const params = { polygon: s.poly, viewport: [r.width, r.height], ...matrices(view.camera) };
          if (kind === "3d" && P.depth) { params.depth_range = P.depth; }
          send("lasso", params);
        }
      } else if (P.tool === "cluster" && clicked) {
        const p = where(e);
        if (p) { send("cluster", { seed: p }); } else { hub.status("paint: no point under the cursor"); }
      } else if (P.tool === "box" && clicked) {
        paintBox();
      } else if (P.tool === "ground" && clicked) {
        send("ground", {});
      }
    };
    // Capture on the view's host: the tool sees the left button before the orbit / pan controls.
    view.el.addEventListener("pointerdown", down, true);
    view.el.addEventListener("pointermove", move, true);
    view.el.addEventListener("pointerup", up, true);
  }

  function attachAll() { attach(canvas.view3d, "3d"); attach(canvas.bev, "bev"); }

  // -- keys ---------------------------------------------------------------------------------
  function onKey(e) {
    const t = e.target, tag = t && t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) { return; }
    const key = (e.key || "").toLowerCase();
    const handled = () => { e.preventDefault(); e.stopImmediatePropagation(); render(); };
    if (key === "y" && !e.ctrlKey && !e.altKey && !e.metaKey) { setOn(!P.on); handled(); return; }
    if (!P.on) { return; }
    if (e.ctrlKey || e.metaKey) {
      if (key === "z" && !e.shiftKey) { revert("undo"); handled(); } else if (key === "y" || (key === "z" && e.shiftKey)) { revert("redo"); handled(); }
      return;
    }
    if (key === "escape") { setOn(false); handled(); return; }
    if (TOOLS[key]) { P.tool = TOOLS[key]; handled(); return; }
    if (key === "x") { P.tool = "box"; paintBox(); handled(); return; }
    if (key === "g") { P.tool = "ground"; send("ground", {}); handled(); return; }
    if (key === "e") { P.erase = !P.erase; handled(); return; }
    if (key === "[") { P.radius = Math.max(0.05, P.radius / 1.25); handled(); return; }
    if (key === "]") { P.radius = Math.min(20, P.radius * 1.25); handled(); return; }
    if (/^[1-9]$/.test(key) && P.palette[Number(key) - 1] !== undefined) { P.classId = P.palette[Number(key) - 1]; P.erase = false; handled(); return; }
    if (key === "n") { newInstance(); handled(); return; }
    if (key === "i") { P.instance = 0; handled(); return; }
    if (key === "v") { P.hideLabelled = !P.hideLabelled; applyFlags(); handled(); return; }
    if (key === "p") { propagate(); handled(); return; }
  }
  document.addEventListener("keydown", onKey, true);

  function setOn(on) {
    P.on = on;
    attachAll();
    const host = canvas.view3d && canvas.view3d.el;  // the toolbar sits in the 3D view's top-left corner
    if (host && ui.el.parentNode !== host) { host.appendChild(ui.el); }
    if (on && !P.classes) { loadClasses(); }
    if (on && !P.sem) { refresh(); }
    render();
  }

  // -- the toolbar --------------------------------------------------------------------------
  function buildToolbar() {
    const el = document.createElement("div");
    el.id = "paint-toolbar";
    Object.assign(el.style, { position: "absolute", left: "6px", top: "6px", zIndex: "20", background: "rgba(16,19,23,0.88)",
                              color: "#dfe3e8", font: "12px sans-serif", padding: "6px 8px", border: "1px solid #2b323b",
                              borderRadius: "4px", display: "none", maxWidth: "420px" });
    el.innerHTML = `<div><b>Paint</b> <span class="paint-state"></span></div>
      <div style="margin-top:4px">class <select class="paint-class"></select>
      instance <input class="paint-instance" type="number" min="0" max="65535" style="width:60px">
      <label><input class="paint-hide" type="checkbox"> hide labelled</label></div>
      <div style="margin-top:4px">lasso depth <input class="paint-near" type="number" step="0.5" style="width:48px" placeholder="near">
      – <input class="paint-far" type="number" step="0.5" style="width:48px" placeholder="far"> m</div>
      <div class="paint-counts" style="margin-top:4px;color:#8a939e"></div>`;
    document.body.appendChild(el);
    const q = (c) => el.querySelector(c);
    q(".paint-class").addEventListener("change", (e) => { P.classId = Number(e.target.value); P.erase = false; render(); });
    q(".paint-instance").addEventListener("change", (e) => { P.instance = Math.max(0, Math.min(65535, Number(e.target.value) || 0)); render(); });
    q(".paint-hide").addEventListener("change", (e) => { P.hideLabelled = e.target.checked; applyFlags(); render(); });
    const depth = () => {
      const a = parseFloat(q(".paint-near").value), b = parseFloat(q(".paint-far").value);
      P.depth = isFinite(a) || isFinite(b) ? [isFinite(a) ? a : 0, isFinite(b) ? b : 1e6] : null;
    };
    q(".paint-near").addEventListener("change", depth);
    q(".paint-far").addEventListener("change", depth);
    return { el, q };
  }

  function fillClassSelect() {
    const sel = ui.q(".paint-class");
    sel.innerHTML = "";
    for (const [id, name] of Object.entries(P.classes.labels)) {
      if (id === "0") { continue; }
      const o = document.createElement("option");
      o.value = id;
      const k = P.palette.indexOf(Number(id));
      o.textContent = `${k >= 0 ? `${k + 1}: ` : ""}${name} (${id})`;
      sel.appendChild(o);
    }
  }

  function render() {
    ui.el.style.display = P.on ? "" : "none";
    if (!P.on) { return; }
    const name = P.classes ? P.classes.labels[String(P.classId)] : P.classId;
    ui.q(".paint-state").textContent = `${P.erase ? "ERASE · " : ""}${P.tool} · r ${P.radius.toFixed(2)} m · ${name}` +
      (P.instance ? ` #${P.instance}` : "");
    if (P.classes && ui.q(".paint-class").value !== String(P.classId)) { ui.q(".paint-class").value = String(P.classId); }
    if (document.activeElement !== ui.q(".paint-instance")) { ui.q(".paint-instance").value = P.instance || 0; }
    ui.q(".paint-hide").checked = P.hideLabelled;
    const c = P.counts;
    ui.q(".paint-counts").textContent = c ? `labelled ${c.labelled} of ${c.points} points, ${c.instances} instances, v${c.version}` : "";
  }

  return P;
}
