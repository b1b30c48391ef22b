/* Hybrid Threat Atlas — what the map (atlas-map.js, on the map page and in
 * embeds) shares with the pages around it: the actor palette, so an
 * actor has the same colour everywhere, the one DOM builder, which puts
 * every string in as text (textContent or a text node), never as HTML, and
 * the incident popup built with it.
 */
(function () {
  'use strict';

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  var DAY_PARTS = { day: { dateStyle: 'long' }, month: { year: 'numeric', month: 'long' },
    year: { year: 'numeric' }, compact: { dateStyle: 'medium' } };

  /* How the page writes dates and numbers: ``<html data-locale>`` (the server's
   * choice, "en-GB" on English pages: 15 June 2025, never June 15, 2025). */
  function locale() {
    var root = document.documentElement;
    return root.getAttribute('data-locale') || root.lang || undefined;
  }

  /* An ISO day (YYYY-MM-DD, or a month YYYY-MM) as the page's language writes it, to
   * ``precision`` (day, month, year; ``compact``: a short day for lists) — as the
   * incident page does on the server. */
  function formatDay(iso, precision) {
    var day = new Date((iso.length === 7 ? iso + '-01' : iso) + 'T00:00:00Z');
    if (isNaN(day.getTime())) { return iso; }
    var parts = Object.assign({ timeZone: 'UTC' }, DAY_PARTS[precision] || DAY_PARTS.day);
    return new Intl.DateTimeFormat(locale(), parts).format(day);
  }

  /* Leaflet's own controls in the page's language: the zoom buttons' tooltips and the
   * "Leaflet" credit's title (``t``: the page's labels). */
  function localiseMap(map, t) {
    if (map.zoomControl) {
      // The options too: a control moved later (embeds) is built again from them.
      map.zoomControl.options.zoomInTitle = t.zoomIn;
      map.zoomControl.options.zoomOutTitle = t.zoomOut;
      [['.leaflet-control-zoom-in', t.zoomIn], ['.leaflet-control-zoom-out', t.zoomOut]]
        .forEach(function (pair) {
          var button = map.zoomControl.getContainer().querySelector(pair[0]);
          if (button) { button.title = pair[1]; button.setAttribute('aria-label', pair[1]); }
        });
    }
    if (map.attributionControl) {
      var credit = el('a', { href: 'https://leafletjs.com', title: t.leaflet, text: 'Leaflet' });
      map.attributionControl.setPrefix(credit.outerHTML);
    }
  }

  /* An incident's popup from its API properties ``p``: ``t`` holds the page's
   * labels (cfg.labels), ``vectorLabel(slug)`` and ``countryName(iso)`` name
   * them in the page's language, ``url`` is the incident page's prefix. */
  function incidentPopup(p, t, vectorLabel, countryName, url) {
    var first = formatDay(p.start_date, p.time_precision);
    var last = formatDay(p.end_date, p.time_precision);
    var when = first === last ? first : first + ' – ' + last;
    function field(label, value) {  // t.field joins them as the page's language does
      return el('p', { text: t.field.replace('{label}', label).replace('{value}', value) });
    }
    var actorType = p.actor_type ? ' (' + (t.actorTypes[p.actor_type] || p.actor_type) + ')' : '';
    return el('div', { 'class': 'atlas-popup' }, [
      el('h3', { text: p.title }),
      el('p', { text: when }),
      field(t.actor, (p.actor || t.unknownActor) + actorType),
      field(t.attribution, (t.attributions[p.attribution] || p.attribution) + ', ' +
        t.confidence + ' ' + p.confidence + '/100'),
      field(t.vectorsLabel, p.vectors.map(vectorLabel).join(', ') || '—'),
      field(t.countriesLabel, p.countries.map(countryName).join(', ') || '—'),
      field(t.location, (p.location_name || '—') + ' (' +
        (t[p.geo_precision] || p.geo_precision) + ')'),
      el('p', {}, [el('a', { href: url + p.id, text: t.open })])
    ]);
  }

  /* ``window.AtlasMap``: ``init(map, cfg)`` builds and loads an ``Atlas``;
   * ``instances`` lists them (embeds and tests find the map there). */
  function registry(Atlas) {
    var api = {
      instances: [],
      init: function (map, cfg) {
        var atlas = new Atlas(map, cfg);
        atlas.load();
        map.atlas = atlas;
        api.instances.push(atlas);
        return atlas;
      }
    };
    return api;
  }

  window.AtlasCommon = {
    el: el,
    formatDay: formatDay,
    locale: locale,
    localiseMap: localiseMap,
    incidentPopup: incidentPopup,
    registry: registry,
    PALETTE: ['#c0392b', '#2471a3', '#7d3c98', '#b9770e', '#148f77', '#a93226',
      '#1f618d', '#6c3483', '#9a7d0a', '#117864', '#cb4335', '#2e86c1', '#884ea0',
      '#d68910', '#17a589', '#566573']
  };
}());
