/* The incident editor: draw with Leaflet-Geoman, paste, or pick a place; preview.
 *
 * Everything the server sends back is written with textContent (never
 * innerHTML): place names, technique names and error messages are data.
 * The server is the judge of a geometry (POST preview): this file only shows
 * what it answers, so the form, the API and imports share one validator.
 */
(function () {
  "use strict";

  var mapEl = document.getElementById("editor-map");
  if (!mapEl) { return; }
  var form = document.getElementById("incident-form");
  var field = function (name) { return form.elements[name]; };
  var geometryField = field("geometry");
  var countriesField = field("countries");
  var statusEl = document.getElementById("geometry-status");
  var derivedEl = document.getElementById("derived-countries");
  var csrf = field("csrf_token").value;
  var labels = JSON.parse(mapEl.dataset.labels);  // user-visible strings, page language
  /* Typed by the contributor: a new geometry no longer replaces the list. */
  var countriesTouched = false;

  var map = L.map(mapEl, { worldCopyJump: true }).setView([48, 10], 3);
  if (mapEl.dataset.tiles && mapEl.dataset.tiles !== "offline") {
    L.tileLayer(mapEl.dataset.tiles, { maxZoom: 18 }).addTo(map);
  } else {
    AtlasBasemap.draw(map, JSON.parse(mapEl.dataset.basemap));
  }

  /* The drawing tool's buttons and hints, and Leaflet's own controls, in the page's
     language: our catalogue's strings over Geoman's English (the tools shown only). */
  map.pm.setLang(document.documentElement.lang || "en", labels.drawing, "en");
  window.AtlasCommon.localiseMap(map, labels);

  var shown = L.featureGroup().addTo(map);
  map.pm.addControls({
    position: "topleft", drawMarker: true, drawPolyline: true, drawPolygon: true,
    drawCircle: false, drawCircleMarker: false, drawRectangle: false, drawText: false,
    cutPolygon: false, rotateMode: false, editMode: false, dragMode: false,
    removalMode: false
  });
  /* The tool's buttons are links named only by their box's tooltip: give each its name. */
  mapEl.querySelectorAll(".leaflet-pm-toolbar .button-container[title]").forEach(function (box) {
    var button = box.querySelector(".leaflet-buttons-control-button");
    if (button) { button.setAttribute("aria-label", box.title); }
  });

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", !!isError);
  }

  function show(geometry) {
    shown.clearLayers();
    L.geoJSON(geometry, { pmIgnore: true }).eachLayer(function (l) { shown.addLayer(l); });
    var bounds = shown.getBounds();
    /* Close enough to place a point by its coast, borders and towns (the offline
       basemap draws the 1:10m coast from zoom 8). */
    if (bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 9, padding: [20, 20] }); }
    mapEl.dataset.shown = String(shown.getLayers().length);
  }

  function showCountries(countries, keepList) {
    derivedEl.textContent = countries.length
      ? countries.map(function (c) { return c.name + " (" + c.iso_a3 + ")"; }).join(", ")
      : "—";
    if (!countriesTouched && !keepList) {
      countriesField.value = countries.map(function (c) { return c.iso_a3; }).join("; ");
    }
  }

  /* onLoad: the saved list (maybe corrected by hand) stays until the geometry changes. */
  function preview(onLoad) {
    var keepList = onLoad === true && countriesField.value.trim() !== "";
    var text = geometryField.value.trim();
    if (!text) { setStatus(""); return; }
    setStatus("…");
    fetch(mapEl.dataset.preview, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ geometry: text })
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (body.error) { setStatus(body.message || body.error, true); mapEl.dataset.valid = "false"; return; }
      show(body.geometry);
      showCountries(body.countries, keepList);
      setStatus(labels.geometryTypes[body.geometry.type] || body.geometry.type);
      mapEl.dataset.valid = "true";
    }).catch(function () { setStatus(labels.previewUnavailable, true); });
  }

  /* Honest precision: how the location was given says how precise it is, and the
     note beside the field says why the value was chosen. */
  var precisionNote = document.getElementById("precision-note");
  function setPrecision(value, note) {
    field("geo_precision").value = value;
    precisionNote.textContent = note;
  }

  /* A point clicked on a map showing a continent is not "exact": the zoom at the
     click bounds what the contributor could see (≤5 country, ≤8 region, ≤12 city). */
  function precisionForZoom(zoom) {
    if (zoom <= 5) { return "country"; }
    if (zoom <= 8) { return "region"; }
    return zoom <= 12 ? "city" : "exact";
  }

  map.on("pm:create", function (e) {
    var geometry = e.layer.toGeoJSON().geometry;
    map.removeLayer(e.layer);
    geometryField.value = JSON.stringify(geometry);
    if (geometry.type === "Point") {
      setPrecision(precisionForZoom(map.getZoom()), labels.precisionFromZoom);
    }
    preview();
  });
  geometryField.addEventListener("change", function () {
    precisionNote.textContent = labels.precisionTyped;
    preview();
  });
  countriesField.addEventListener("input", function () { countriesTouched = true; });

  /* A list of buttons from a JSON search endpoint, labels as text. */
  function picker(inputId, listId, url, key, label, choose) {
    var input = document.getElementById(inputId);
    var list = document.getElementById(listId);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2) { list.replaceChildren(); return; }
        // Busy until the answer is shown (the first search may wait for the server).
        var busy = document.createElement("li");
        busy.className = "muted";
        busy.textContent = labels.loading;
        list.replaceChildren(busy);
        list.setAttribute("aria-busy", "true");
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); }).then(function (body) {
            list.removeAttribute("aria-busy");
            list.replaceChildren.apply(list, body[key].map(function (item) {
              var li = document.createElement("li");
              var button = document.createElement("button");
              button.type = "button";
              button.textContent = label(item);
              button.addEventListener("click", function () {
                choose(item); list.replaceChildren(); input.value = "";
              });
              li.appendChild(button);
              return li;
            }));
          });
      }, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); }
    });
  }

  picker("place-q", "place-results", mapEl.dataset.gazetteer, "places",
    function (p) {
      return p.name + " — " + p.country + " (" + (labels.placeKinds[p.kind] || p.kind) + ")";
    },
    function (p) {
      geometryField.value = JSON.stringify(p.geometry);
      setPrecision(p.kind === "country" ? "country" : p.kind === "region" ? "region" : "city",
                   labels.precisionFromPlace);
      if (!field("location_name").value.trim()) { field("location_name").value = p.name; }
      preview();
    });

  picker("technique-q", "technique-results", mapEl.dataset.techniques, "techniques",
    function (t) { return t.id + " " + t.name; },
    function (t) {
      var ids = field("techniques").value.split(";").map(function (s) { return s.trim(); })
        .filter(Boolean);
      if (ids.indexOf(t.id) < 0) { ids.push(t.id); }
      field("techniques").value = ids.join("; ");
    });

  mapEl.dataset.ready = "true";
  preview(true);
}());
