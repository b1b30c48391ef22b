/* Hybrid Threat Atlas — the embed page's chrome around atlas-map.js (embed mode).
 *
 * atlas-map.js draws the map (live from /api/v1/map, or a frozen embed's stored
 * levels), its layer control in the embed's legend corner, and fits the view.
 * This adds what only an embed page has: the button that unfolds the legend
 * (atlas-map.js starts it folded in a small frame, so it never covers the map),
 * or the legend moved below the map, and a
 * fullscreen button (works inside an iframe with allow="fullscreen"). Strings
 * come from the map's translated labels. Sets data-embed-ready on the map when
 * interactive.
 */
(function () {
  'use strict';

  function placeLegend(atlas, opts) {
    var control = atlas.controlBox;
    if (!control) { return; }
    if (opts.legend === 'below') {
      document.getElementById('embed-legend').appendChild(control);
      return;
    }
    var toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'embed-legend-toggle leaflet-control';
    toggle.textContent = atlas.labels.legend;
    toggle.setAttribute('aria-expanded', 'false');
    L.DomEvent.disableClickPropagation(toggle);
    toggle.addEventListener('click', function () {
      var open = control.hidden;
      control.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
    });
    toggle.setAttribute('aria-expanded', String(!control.hidden));
    control.parentNode.insertBefore(toggle, control);
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
  if (!atlas || !atlas.embed) { return; }
  if (L.control.fullscreen) {
    L.control.fullscreen({ position: 'topleft', title: atlas.labels.fullScreen,
      titleCancel: atlas.labels.exitFullScreen }).addTo(atlas.map);
  }
  placeLegend(atlas, atlas.embed);
  onReady(atlas, function () {
    atlas.map.getContainer().setAttribute('data-embed-ready', 'true');
  });
}());
