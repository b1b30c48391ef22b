/*
 * Minimal stand-in for the two jQuery calls made by folium 0.20's own templates,
 * so that jQuery itself need not be shipped (see app/maps/assets.py):
 *   - folium.Popup:  $(`<div ...>...</div>`)[0]   parse an HTML string into nodes
 *   - folium.Map:    $(document).ready(fn)         run fn once the DOM is ready
 * Anything else throws, so a template needing more of jQuery fails loudly.
 * Does nothing if a real jQuery is already on the page. Project code, MIT.
 */
(function (global) {
  "use strict";
  if (typeof global.$ === "function") {
    return;
  }
  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn, { once: true });
    } else {
      fn();
    }
  }
  function shim(arg) {
    if (typeof arg === "string" && /^\s*</.test(arg)) {
      var tpl = document.createElement("template");
      tpl.innerHTML = arg.trim();
      var nodes = Array.prototype.slice.call(tpl.content.childNodes);
      nodes.forEach(function (n) { document.adoptNode(n); });
      return nodes;
    }
    if (arg === document || arg === global) {
      return { ready: function (fn) { ready(fn); return this; } };
    }
    if (typeof arg === "function") {
      ready(arg);
      return [];
    }
    throw new Error("folium jQuery shim: unsupported call $(" + String(arg).slice(0, 40) + ")");
  }
  global.$ = shim;
})(window);
