// The canvas' shared state and the labeller's edit queue.
//
// What the views draw is the store's page state (the `annotations-store` of the page) with the
// labeller's not yet confirmed edits applied on top, so a key press shows in the next frame.
// Edits go to the server in order, one request at a time with everything queued meanwhile
// (POST /_pointlabel/edit); each is applied there to the stored state as its own change, so
// a held key moves exactly as many steps as it repeated and ten Ctrl+Z undo ten changes.

import { nudge, nudgeVertex } from "./cuboid.js";

function setProps(id, props) {
  const dc = window.dash_clientside;
  if (dc && dc.set_props) { dc.set_props(id, props); }
}

export class Hub {
  constructor() {
    this.config = null;
    this.index = null;          // frame index shown
    this.frameId = null;
    this.cloud = null;          // {meta, xyz, intensity, rgb, n}
    this.ground = null;         // Uint8Array flags, 1 = ground (fetched when asked)
    this.state = null;          // the page state from the server
    this.queue = [];            // edits not sent yet
    this.inflight = [];         // edits sent, not confirmed
    this.preview = null;        // {id, box}: a handle drag in progress
    this.selection = { id: null, vertex: null };
    this.mode = "select";
    this.settings = { colour: "height", size: 1.5, range: [0, Infinity], hideGround: false, redacted: false };
    this.cameraOverlays = null;
    this.client = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Math.random()).slice(2);
    this.sent = 0;
    this.confirmed = 0;
    this._listeners = {};
    this._selectOrigin = null;
  }

  on(evt, fn) { (this._listeners[evt] = this._listeners[evt] || []).push(fn); }
  emit(evt, ...args) { for (const fn of this._listeners[evt] || []) { try { fn(...args); } catch (e) { console.error(e); } } }

  get ids() { return this.config.ids; }
  url(path) { return this.config.prefix + path; }

  // -- annotations as drawn -----------------------------------------------------------------
  annotations() {
    let anns = (this.state && this.state.frame === this.frameId) ? this.state.annotations : [];
    const ops = this.inflight.concat(this.queue).filter((o) => o.frame === this.frameId);
    if (ops.length || this.preview) {
      const byId = new Map(anns.map((a) => [a.id, a]));
      for (const op of ops) {
        const a = byId.get(op.id);
        if (!a) { continue; }
        if (op.op === "nudge") {
          byId.set(a.id, a.type === "cuboid" ? nudge(a, op.action, op.coarse, this.config.steps)
            : (op.vertex != null ? nudgeVertex(a, op.vertex, op.action, op.coarse, this.config.steps) : a));
        } else if (op.op === "set") {
          byId.set(a.id, { ...a, center: op.center, size_lwh: op.size_lwh, yaw: op.yaw });
        }
      }
      if (this.preview && byId.has(this.preview.id)) { byId.set(this.preview.id, this.preview.box); }
      anns = anns.map((a) => byId.get(a.id));
    }
    return anns;
  }

  selected() {
    const id = this.selection.id;
    return id ? this.annotations().find((a) => a.id === id) || null : null;
  }

  cuboids() { return this.annotations().filter((a) => a.type === "cuboid" && a.status !== "rejected"); }

  // -- from the page (Dash stores) ------------------------------------------------------------
  setState(state) {
    if (!state) { return; }
    const same = this.state && state.frame === this.state.frame && state.rev === this.state.rev &&
      state.annotations.length === this.state.annotations.length;
    this.state = state;
    if (!same || this.pending()) { this.emit("annotations"); }  // our own publish coming back: drawn already
  }

  setSelection(sel) {
    const before = this.selection.id;
    this.selection = { id: (sel && sel.id) || null, vertex: sel && sel.vertex != null ? sel.vertex : null };
    const listed = Date.now() - (this.listClickedAt || 0) < 3000;
    const origin = this._selectOrigin || (listed ? "list" : "server");
    this._selectOrigin = null;
    if (listed && this.selection.id) { this.listClickedAt = 0; }
    this.emit("selection", { changed: before !== this.selection.id, origin });
  }

  // -- to the page ----------------------------------------------------------------------------
  select(id, vertex = null, origin = "canvas") {
    this._selectOrigin = origin;
    setProps(this.ids.selection, { data: { id, vertex } });
  }

  request(kind, data) {  // kind: fit | select | vertex (what comes back is the canvas' own selection)
    this._selectOrigin = "canvas";
    const id = { fit: this.ids.fitRequest, select: this.ids.selectRequest, vertex: this.ids.vertexRequest,
                 redact: this.ids.redactRequest }[kind];
    setProps(id, { data: { ...data, ts: Date.now() } });
  }

  status(text) { setProps(this.ids.status, { children: text }); }

  // -- edits ----------------------------------------------------------------------------------
  nudge(action, coarse) {
    const a = this.selected();
    if (!a || !this.frameId) { return false; }
    if (a.type === "cuboid") {
      this.enqueue({ op: "nudge", frame: this.frameId, id: a.id, action, coarse: !!coarse });
    } else if (a.type === "polyline" && this.selection.vertex != null) {
      this.enqueue({ op: "nudge", frame: this.frameId, id: a.id, action, coarse: !!coarse, vertex: this.selection.vertex });
    } else { return false; }
    return true;
  }

  // A handle drag released: the box as dragged, with the version it started from (the page's
  // version of it plus this page's own changes to it still on their way).
  setBox(box) {
    this.preview = null;
    const stored = this.state && this.state.versions ? this.state.versions[box.id] : undefined;
    const own = this.inflight.concat(this.queue).filter((o) => o.id === box.id && (o.op === "nudge" || o.op === "set")).length;
    this.enqueue({ op: "set", frame: this.frameId, id: box.id, center: box.center, size_lwh: box.size_lwh, yaw: box.yaw,
                   version: stored === undefined ? null : stored + own });
  }

  previewBox(box) {
    this.preview = box ? { id: box.id, box } : null;
    this.emit("annotations");
  }

  history(kind) { this.enqueue({ op: kind, frame: this.frameId }); }

  enqueue(op) {
    this.queue.push(op);
    this.sent += 1;
    this.emit("annotations");
    this.flush();
  }

  pending() { return this.queue.length + this.inflight.length; }

  // Hand the confirmed state to the page's store (editor fields, object list, saved mark,
  // camera projections) once the labeller pauses: a held key then costs the page one update,
  // not thirty. The canvas itself draws from this.state at once.
  publishSoon(delay = 250) {
    clearTimeout(this._publish);
    this._publish = setTimeout(() => {
      if (this.pending()) { this.publishSoon(delay); return; }
      if (this.state) { setProps(this.ids.annotations, { data: this.state }); }
    }, delay);
  }

  flush() {
    if (this.inflight.length || !this.queue.length) { return; }
    this.inflight = this.queue;
    this.queue = [];
    const n = this.inflight.length;
    fetch(this.url("/edit"), {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client: this.client, ops: this.inflight }),
    }).then((r) => r.json().then((j) => ({ ok: r.ok, j }))).then(({ ok, j }) => {
      this.inflight = [];
      if (!ok) {
        this.status(`not saved: ${j.error || "error"}`);
      } else {
        this.confirmed += n;
        if (j.state && j.state.frame === this.frameId) {
          this.state = j.state;
          this.publishSoon();
        }
        if (j.goto != null) { setProps(this.ids.slider, { value: j.goto }); }
        if (j.messages && j.messages.length) { this.status(j.messages[j.messages.length - 1]); }
      }
      this.emit("annotations");
      this.flush();
    }).catch((e) => {  // the server did not answer: keep the edits, in order, and try again
      this.queue = this.inflight.concat(this.queue);
      this.inflight = [];
      this.status(`saving… (${e.message || e})`);
      setTimeout(() => this.flush(), 500);
    });
  }
}
