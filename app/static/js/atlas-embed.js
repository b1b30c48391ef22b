/* Hybrid Threat Atlas — embed-only behaviour on top of atlas-map.js.
 *
 * Reads cfg.embed ({legend, layers, fit}) from the map's config: places the
 * legend (a corner, below the map, or hidden; folded behind a button in a small
 * frame so it never covers the map), keeps only the chosen layer groups, fits
 * the view to the data, and adds a fullscreen button (works inside an iframe
 * with allow="fullscreen"). Sets data-embed-ready on the map when interactive.
 */
(function () {
  'use strict';

  var NARROW = 600, LOW = 360;  // px: a frame narrower or lower starts with the legend folded

  function placeLegend(atlas, opts) {
    var container = atlas.map.getContainer();
    var control = container.querySelector('.atlas-control');
    if (!control) { return; }
    Array.prototype.forEach.call(control.querySelectorAll('fieldset[data-group]'), function (fs) {
      if (opts.layers.indexOf(fs.getAttribute('data-group')) < 0) { fs.remove(); }
    });
    if (opts.legend === 'hidden') { control.remove(); return; }
    if (opts.legend === 'below') {
      document.getElementById('embed-legend').appendChild(control);
      return;
    }
    var v = opts.legend.indexOf('top') === 0 ? 'top' : 'bottom';
    var h = opts.legend.slice(v.length);
    var corner = container.querySelector('.leaflet-' + v + '.leaflet-' + h);
    var toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'embed-legend-toggle leaflet-control';
    toggle.textContent = atlas.cfg.labels.legend;
    toggle.setAttribute('aria-expanded', 'false');
    L.DomEvent.disableClickPropagation(toggle);
    toggle.addEventListener('click', function () {
      var open = control.hidden;
      control.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
    });
    control.hidden = container.clientWidth < NARROW || container.clientHeight < LOW;
    toggle.setAttribute('aria-expanded', String(!control.hidden));
    corner.appendChild(toggle);
    corner.appendChild(control);
  }

  function fitToData(atlas) {
    var bounds = L.latLngBounds([]);
    if (atlas.layerGroup.getBounds) { bounds.extend(atlas.layerGroup.getBounds()); }
    bounds.extend(atlas.shapes.getBounds());
    if (bounds.isValid()) { atlas.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 9 }); }
  }

  function onReady(atlas, callback) {
    var container = atlas.map.getContainer();
    if (container.getAttribute('data-atlas-ready') === 'true') { callback(); return; }
    new MutationObserver(function (records, observer) {
      if (container.getAttribute('data-atlas-ready') === 'true') {
        observer.disconnect();
        callback();
      }
    }).observe(container, { attributes: true, attributeFilter: ['data-atlas-ready'] });
  }

  var atlas = window.AtlasMap && window.AtlasMap.instances[0];
  if (!atlas) { return; }
  var opts = atlas.cfg.embed || { legend: 'bottomleft', layers: ['actor', 'vector', 'country'], fit: true };
  if (L.control.fullscreen) {
    L.control.fullscreen({ position: 'topleft', title: atlas.cfg.labels.fullScreen,
      titleCancel: atlas.cfg.labels.exitFullScreen }).addTo(atlas.map);
  }
  onReady(atlas, function () {
    placeLegend(atlas, opts);
    if (opts.fit) { fitToData(atlas); }
    atlas.map.getContainer().setAttribute('data-embed-ready', 'true');
  });
}());
