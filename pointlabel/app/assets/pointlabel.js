/* pointlabel: the page's small clientside callbacks. The views, the keyboard and the clicks
 * in the views belong to the canvas (canvas.bundle.js, built from js/src).
 */
(function () {
  "use strict";

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
      // "x, y, z" + Enter in the point field: a click at that point, by mode.
      routePoint: function (nSubmit, mode, pointText) {
        var pt = parsePoint(pointText);
        if (!pt) { return [noUpdate(), noUpdate(), noUpdate()]; }
        var click = {x: pt.x, y: pt.y, z: pt.z, source: "input", ts: Date.now()};
        if (mode === "fit") { return [click, noUpdate(), noUpdate()]; }
        if (mode === "polyline") { return [noUpdate(), click, noUpdate()]; }
        return [noUpdate(), noUpdate(), click];
      },

      showTab: function (nLabel, nReview) {
        var review = triggeredProp().indexOf("tab-review-btn") === 0;
        return [{display: review ? "none" : "flex"}, {display: review ? "flex" : "none"},
                review ? "tab" : "tab active", review ? "tab active" : "tab"];
      },

      toggleHelp: function (nOpen, nClose, style) {
        var prop = triggeredProp();
        var shown = style && style.display !== "none";
        if (prop.indexOf("help-close-btn") === 0) { shown = false; } else { shown = !shown; }
        return {display: shown ? "flex" : "none"};
      }
    }
  });
})();
