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

  /* Only layers with incidents under the embed's filters: atlas-map.js lists a layer
   * that is on but empty (count 0), and one the filters leave off with what ticking
   * it would add; an embed's legend names only what its map shows. Re-applied each
   * time atlas-map.js refills the control (a layer a reader unticks stays listed). */
  function hideEmptyLayers(box) {
    var filteredOut = null;  // "group:key" of the layers the embed's filters leave off
    function apply() {
      var first = filteredOut === null && box.querySelector('input') !== null;
      if (first) { filteredOut = {}; }
      Array.prototype.forEach.call(box.querySelectorAll('fieldset'), function (fs) {
        var shown = 0, group = fs.getAttribute('data-group');
        Array.prototype.forEach.call(fs.querySelectorAll('label'), function (label) {
          var count = label.querySelector('.count'), input = label.querySelector('input');
          var id = group + ':' + (input && input.getAttribute('data-key'));
          if (first && input && !input.checked) { filteredOut[id] = true; }
          label.hidden = (Boolean(count) && count.textContent === '0') ||
            Boolean(filteredOut && filteredOut[id]);
          if (!label.hidden) { shown += 1; }
        });
        fs.hidden = shown === 0;
      });
    }
    apply();
    new MutationObserver(apply).observe(box, { childList: true, subtree: true });
  }

  /* The caption starts folded (one line of chrome less) unless the frame is roomy. */
  function unfoldCaption() {
    var caption = document.querySelector('details.caption');
    if (caption && window.innerWidth >= 600 && window.innerHeight >= 400) { caption.open = true; }
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
  // Zoom and full screen sit on the side the legend does not: an opened legend in a
  // left corner would push them (same corner) or reach them (other left corner) over
  // the scale bar of a 320–400 px frame.
  var zoomCorner = /left$/.test(atlas.embed.legend) ? 'topright' : 'topleft';
  if (atlas.map.zoomControl) { atlas.map.zoomControl.setPosition(zoomCorner); }
  if (L.control.fullscreen) {
    L.control.fullscreen({ position: zoomCorner, title: atlas.labels.fullScreen,
      titleCancel: atlas.labels.exitFullScreen }).addTo(atlas.map);
  }
  placeLegend(atlas, atlas.embed);
  if (atlas.controlBox) { hideEmptyLayers(atlas.controlBox); }
  unfoldCaption();
  onReady(atlas, function () {
    atlas.map.getContainer().setAttribute('data-embed-ready', 'true');
  });
}());
