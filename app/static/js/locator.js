/* The locator map of the incident and review pages (and of an import's preview,
   ``{all: [...]}``): the incident's geometry drawn as precisely as it is known, over
   the app's own basemap (static/js/basemap.js; no request leaves the site). The map
   only decorates the text beside it, so it takes no focus and no
   gesture: the page scrolls through it and the keyboard passes over it. */
(function () {
  "use strict";
  /* Radius of the soft circle when a point is city/region/country-level but gives
     no precision_m: the usual size of such a place. */
  var DEFAULT_RADIUS = { city: 10000, region: 100000, country: 300000 };
  var STYLES = {
    after: { color: "#b3261e", fillColor: "#b3261e" },
    before: { color: "#5f6368", fillColor: "#5f6368" }
  };

  function draw(group, loc, role) {
    var exact = loc.geo_precision === "exact";
    var base = STYLES[role];
    var dashed = role === "before" || !exact;
    var style = { color: base.color, fillColor: base.fillColor, weight: 2, fillOpacity: 0.15,
                  dashArray: dashed ? "6 5" : null, interactive: false,
                  className: "locator-" + role };
    L.geoJSON(loc.geometry, {
      style: function () { return style; },
      pointToLayer: function (feature, latlng) {
        if (exact && role === "after") {
          return L.marker(latlng, { keyboard: false, interactive: false });
        }
        if (exact) {  /* an exact former point: a small grey ring */
          return L.circleMarker(latlng, L.extend({}, style, { radius: 7 }));
        }
        var radius = loc.precision_m || DEFAULT_RADIUS[loc.geo_precision] || 10000;
        return L.circle(latlng, L.extend({}, style, { radius: radius, weight: 1 }));
      }
    }).eachLayer(function (layer) { group.addLayer(layer); });
  }

  function locator(el) {
    var data = JSON.parse(el.dataset.locator);
    var map = L.map(el, {
      zoomControl: false, attributionControl: false, dragging: false, touchZoom: false,
      scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false, keyboard: false,
      tap: false, worldCopyJump: true
    }).setView([48, 10], 3);
    var group = L.featureGroup().addTo(map);
    if (data.all) {  /* an import's preview: every location it would add */
      data.all.forEach(function (loc) { draw(group, loc, "after"); });
    } else {
      if (data.before) { draw(group, data.before, "before"); }
      draw(group, data.after, "after");
    }
    var bounds = group.getBounds();
    /* At zoom 9 the offline basemap draws the 1:10m coast and borders around a point;
       a pin stands 41 px above its point: room at the top keeps it whole. */
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 9, paddingTopLeft: [16, 48],
        paddingBottomRight: [16, 16], animate: false });
    }
    AtlasBasemap.draw(map, JSON.parse(el.dataset.basemap)).drawn
      .then(function () { el.dataset.ready = "true"; });
  }

  document.querySelectorAll(".locator-map[data-locator]").forEach(locator);
})();
