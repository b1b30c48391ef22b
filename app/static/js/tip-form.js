/* The report form's map picker: a click places the point, nothing else is sent anywhere.
 * The basemap is the app's own (static/js/basemap.js): no tile server sees the reporter. */
(function () {
  "use strict";
  var box = document.getElementById("tip-map");
  if (!box || typeof L === "undefined") { return; }
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var said = document.getElementById("tip-point");
  var map = L.map(box, { minZoom: 2, maxZoom: 12, worldCopyJump: true }).setView([50, 15], 3);
  window.AtlasCommon.localiseMap(map, JSON.parse(box.dataset.labels));  // page language
  var marker = null;

  AtlasBasemap.draw(map, JSON.parse(box.dataset.basemap));

  function place(latlng) {
    var wrapped = latlng.wrap();
    lat.value = wrapped.lat.toFixed(5);
    lon.value = wrapped.lng.toFixed(5);
    if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 7 }).addTo(map); }
    said.textContent = lat.value + ", " + lon.value;
    box.dataset.picked = "true";
  }

  if (lat.value && lon.value) { place(L.latLng(Number(lat.value), Number(lon.value))); }
  map.on("click", function (e) { place(e.latlng); });
}());
