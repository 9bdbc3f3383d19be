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
