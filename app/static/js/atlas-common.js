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

  /* An incident's popup from its API properties ``p``: ``t`` holds the page's
   * labels (cfg.labels), ``vectorLabel(slug)`` and ``countryName(iso)`` name
   * them in the page's language, ``url`` is the incident page's prefix. */
  function incidentPopup(p, t, vectorLabel, countryName, url) {
    var when = p.start_date === p.end_date ? p.start_date : p.start_date + ' – ' + p.end_date;
    return el('div', { 'class': 'atlas-popup' }, [
      el('h3', { text: p.title }),
      el('p', { text: when }),
      el('p', { text: t.actor + ': ' + (p.actor || t.unknownActor) +
        (p.actor_type ? ' (' + p.actor_type + ')' : '') }),
      el('p', { text: t.attribution + ': ' + p.attribution + ', ' + t.confidence + ' ' +
        p.confidence + '/100' }),
      el('p', { text: t.vectorsLabel + ': ' + (p.vectors.map(vectorLabel).join(', ') || '—') }),
      el('p', { text: t.countriesLabel + ': ' +
        (p.countries.map(countryName).join(', ') || '—') }),
      el('p', { text: t.location + ': ' + (p.location_name || '—') + ' (' +
        (t[p.geo_precision] || p.geo_precision) + ')' }),
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
    incidentPopup: incidentPopup,
    registry: registry,
    PALETTE: ['#c0392b', '#2471a3', '#7d3c98', '#b9770e', '#148f77', '#a93226',
      '#1f618d', '#6c3483', '#9a7d0a', '#117864', '#cb4335', '#2e86c1', '#884ea0',
      '#d68910', '#17a589', '#566573']
  };
}());
