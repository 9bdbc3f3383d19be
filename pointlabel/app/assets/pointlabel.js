/* pointlabel: keyboard shortcuts and click routing, in the browser.
 *
 * Keys: the bindings come from pointlabel/app/keys.py through the keymap store. A binding
 * either presses a real button of the page, sends a nudge to the server (move / turn /
 * resize the selected box), or sets a component property. Keys typed into fields are left
 * alone (Escape leaves the field).
 *
 * Clicks: a click in the 3D view, the BEV, a camera, or coordinates typed into the point
 * field become one of three requests: select (a box, a vertex, or what holds the point),
 * fit (fit-box mode) or vertex (polyline mode). The server handles each in one callback.
 */
(function () {
  "use strict";
  var NUDGE = "nudge-store";

  function noUpdate() { return window.dash_clientside.no_update; }

  function parsePoint(text) {
    if (!text) { return null; }
    var parts = String(text).replace(/,/g, " ").trim().split(/\s+/).map(Number);
    if (parts.length !== 3 || parts.some(function (v) { return !isFinite(v); })) { return null; }
    return {x: parts[0], y: parts[1], z: parts[2]};
  }

  function triggeredProp() {
    var ctx = window.dash_clientside.callback_context;
    if (!ctx || !ctx.triggered || !ctx.triggered.length) { return ""; }
    return ctx.triggered[0].prop_id || "";
  }

  function graphDiv(id) {
    var el = document.getElementById(id);
    return el && (el.classList.contains("js-plotly-plot") ? el : el.querySelector(".js-plotly-plot"));
  }

  // The figure's axis ranges (figures/scene.py sets them) and the aspect ratios they give with
  // aspectmode "data": each span over the spans' geometric mean.
  function figureScene(g) {
    var want = g.layout.scene, keys = ["x", "y", "z"], ranges = {}, prod = 1;
    for (var i = 0; i < 3; i++) {
      var a = want && want[keys[i] + "axis"];
      if (!a || !a.range) { return null; }
      ranges[keys[i]] = a.range;
      prod *= a.range[1] - a.range[0];
    }
    var mean = Math.pow(prod, 1 / 3), aspect = {};
    keys.forEach(function (k) { aspect[k] = (ranges[k][1] - ranges[k][0]) / mean; });
    return {ranges: ranges, aspect: aspect};
  }

  // The scene draws with them (after a frame switch its drawing can lag the figure a moment).
  function sceneDrawn(g) {
    var sc = g._fullLayout.scene, live = sc._scene && sc._scene.fullSceneLayout, fig = figureScene(g);
    return !!(live && fig) && ["x", "y", "z"].every(function (k) {
      return Math.abs(live.aspectratio[k] - fig.aspect[k]) < 1e-6 * Math.max(1, fig.aspect[k]);
    });
  }

  // Call fn(graph, focus) when the graph shows focus.frame (layout.meta.frame) with its points
  // drawn; a newer focus cancels an older one still waiting.
  var pending = {};
  function whenShowing(id, focus, fn) {
    var token = pending[id] = {};
    var tries = 0;
    (function attempt() {
      if (pending[id] !== token) { return; }
      var g = graphDiv(id);
      var ready = g && g.layout && g.layout.meta && g.layout.meta.frame === focus.frame && g._fullLayout &&
        g._fullData && g._fullData[0] && g._fullData[0]._length > 0 && window.Plotly &&
        (id !== "graph-3d" || sceneDrawn(g));
      if (ready) { fn(g, focus); return; }
      if (++tries < 600) { setTimeout(attempt, 100); }
    })();
  }

  // Plotly.relayout as if the user had made the change: what Plotly's own (unexported)
  // _guiRelayout does. Plotly then keeps it across Plotly.react calls with the same uirevision,
  // as it keeps the user's orbiting and zooming; a plain relayout would be undone by the next
  // figure update.
  function guiRelayout(g, update) {
    g._fullLayout._guiEditing = true;
    try { return window.Plotly.relayout(g, update); } finally { g._fullLayout._guiEditing = false; }
  }

  // Scene coordinates: with aspectmode "data" Plotly maps an axis range [lo, hi] to [-a/2, a/2],
  // a the axis' aspect ratio; the camera lives there. The ranges are the figure's own (Plotly's
  // _fullLayout copies of them are not kept up to date).
  function focus3d(g, f) {
    var sc = g._fullLayout.scene, fig = figureScene(g), keys = ["x", "y", "z"], c = {}, scale = null;
    for (var i = 0; i < 3; i++) {
      var k = keys[i], r = fig.ranges[k], span = r[1] - r[0];
      c[k] = fig.aspect[k] * (f[k] - (r[0] + r[1]) / 2) / span;
      if (i === 0) { scale = fig.aspect.x / span; }
    }
    var cam = (sc._scene && sc._scene.getCamera) ? sc._scene.getCamera() : sc.camera;
    var d = [cam.eye.x - cam.center.x, cam.eye.y - cam.center.y, cam.eye.z - cam.center.z];
    var len = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) || 1;
    var dist = 2.5 * f.radius * scale;  // the radius fills about the view's height
    var eye = {x: c.x + d[0] / len * dist, y: c.y + d[1] / len * dist, z: c.z + d[2] / len * dist};
    guiRelayout(g, {"scene.camera": {eye: eye, center: c, up: {x: 0, y: 0, z: 1}}});
  }

  function focusBev(g, f) {
    var r = 1.5 * f.radius;
    guiRelayout(g, {"xaxis.range": [f.x - r, f.x + r], "yaxis.range": [f.y - r, f.y + r]});
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    pointlabel: {
      installKeymap: function (keymap) {
        window.pointlabelKeymap = keymap || {};
        return noUpdate();
      },

      routeClick: function (click3d, clickBev, cameraClicks, nSubmit, mode, pointText) {
        var prop = triggeredProp();
        var pt = null, source = null;
        if (prop.indexOf("graph-3d.") === 0 && click3d && click3d.points && click3d.points.length) {
          pt = click3d.points[0]; source = "3d";
        } else if (prop.indexOf("graph-bev.") === 0 && clickBev && clickBev.points && clickBev.points.length) {
          pt = clickBev.points[0]; source = "bev";
        } else if (prop.indexOf("camera-graph") >= 0) {
          var ctx = window.dash_clientside.callback_context;
          var t = ctx.triggered[0];
          var cd = t && t.value && t.value.points && t.value.points.length ? t.value.points[0] : null;
          pt = cd; source = "camera";
        } else if (prop.indexOf("point-input.") === 0) {
          pt = parsePoint(pointText); source = "input";
        }
        if (!pt) { return [noUpdate(), noUpdate(), noUpdate()]; }
        var ts = Date.now();
        var cdata = pt.customdata;
        if (typeof cdata === "string" && cdata.indexOf("ann:") === 0) {
          return [noUpdate(), noUpdate(), {id: cdata.slice(4), vertex: null, ts: ts}];
        }
        if (typeof cdata === "string" && cdata.indexOf("vtx:") === 0) {
          var rest = cdata.slice(4), cut = rest.lastIndexOf(":");
          return [noUpdate(), noUpdate(), {id: rest.slice(0, cut), vertex: Number(rest.slice(cut + 1)), ts: ts}];
        }
        if (source === "camera") { return [noUpdate(), noUpdate(), noUpdate()]; }
        var click = {x: pt.x, y: pt.y, z: source === "bev" ? null : pt.z, source: source, ts: ts};
        if (mode === "fit") { return [click, noUpdate(), noUpdate()]; }
        if (mode === "polyline") { return [noUpdate(), click, noUpdate()]; }
        return [noUpdate(), noUpdate(), click];
      },

      showTab: function (nLabel, nReview) {
        var review = triggeredProp().indexOf("tab-review-btn") === 0;
        return [{display: review ? "none" : "flex"}, {display: review ? "flex" : "none"},
                review ? "tab" : "tab active", review ? "tab active" : "tab"];
      },

      // Centre the 3D view and the BEV on a point (a finding), once they show its frame. Done
      // as a GUI edit (see guiRelayout), so it lasts like the labeller's own orbiting does
      // (uirevision) through later frame switches and overlay patches.
      focusViews: function (focus) {
        if (!focus) { return noUpdate(); }
        whenShowing("graph-3d", focus, focus3d);
        whenShowing("graph-bev", focus, focusBev);
        return noUpdate();
      },

      toggleHelp: function (nOpen, nClose, style) {
        var prop = triggeredProp();
        var shown = style && style.display !== "none";
        if (prop.indexOf("help-close-btn") === 0) { shown = false; } else { shown = !shown; }
        return {display: shown ? "flex" : "none"};
      }
    }
  });

  function onKey(e) {
    var t = e.target, tag = t && t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) {
      if (e.key === "Escape" && t.blur) { t.blur(); }
      return;
    }
    var km = window.pointlabelKeymap;
    if (!km || !e.key) { return; }
    var key = e.key === " " ? "space" : e.key.toLowerCase();
    var mods = (e.ctrlKey || e.metaKey ? "ctrl+" : "") + (e.altKey ? "alt+" : "");
    var target = km[mods + (e.shiftKey ? "shift+" : "") + key] || km[mods + key];
    if (!target) { return; }
    e.preventDefault();
    if (target.click) {
      var el = document.getElementById(target.click);
      if (el) { el.click(); }
    } else if (target.nudge) {
      window.dash_clientside.set_props(NUDGE, {data: {action: target.nudge, coarse: !!e.shiftKey, ts: Date.now()}});
    } else if (target.set) {
      var props = {};
      props[target.set[1]] = target.set[2];
      window.dash_clientside.set_props(target.set[0], props);
    }
  }
  document.addEventListener("keydown", onKey);
})();
