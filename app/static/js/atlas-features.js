/* Hybrid Threat Atlas — embeds: draws a stored or capped FeatureCollection with the
 * grouped, cross-filtering control (the full map, atlas-map.js, draws the server's
 * aggregated /api/v1/map views instead).
 *
 * Every string that comes from the database is put into the page with
 * textContent or as a DOM text node, never as HTML: titles such as
 * <img src=x onerror=alert(1)> or `${alert(1)}` show as text.
 *
 * Cross-filter rule: an incident is shown when its actor's layer is on, AND at
 * least one of its vectors' layers is on, AND at least one of its countries'
 * layers is on.
 */
(function () {
  'use strict';

  var PALETTE = window.AtlasCommon.PALETTE;
  var NONE = '∅';

  var el = window.AtlasCommon.el;

  function Atlas(map, cfg) {
    this.map = map;
    this.cfg = cfg;
    this.vectorInfo = {};
    (cfg.vectors || []).forEach(function (v) { this.vectorInfo[v.slug] = v; }, this);
    this.countryNames = cfg.countries || {};
    this.labels = cfg.labels || {};  // every user-visible string, in the page's language
    this.features = [];
    this.on = { actor: {}, vector: {}, country: {} };
    this.layerGroup = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true })
      : L.featureGroup();
    this.shapes = L.featureGroup();
    this.status = document.getElementById('atlas-status');
  }

  Atlas.prototype.keys = function (f) {
    var p = f.properties;
    return {
      actor: [p.actor_id === null ? NONE : String(p.actor_id)],
      vector: p.vectors.length ? p.vectors : [NONE],
      country: p.countries.length ? p.countries : [NONE]
    };
  };

  Atlas.prototype.visible = function (f) {
    var keys = this.keys(f), on = this.on;
    return ['actor', 'vector', 'country'].every(function (group) {
      return keys[group].some(function (k) { return on[group][k] !== false; });
    });
  };

  Atlas.prototype.actorColor = function (actorId) {
    if (actorId === null) { return '#555'; }
    return PALETTE[actorId % PALETTE.length];
  };

  Atlas.prototype.load = function () {
    var self = this;
    if (this.cfg.offline) {
      this.map.getContainer().style.background = '#dfe9f3';
      fetch(this.cfg.basemapUrl).then(function (r) { return r.json(); }).then(function (geo) {
        L.geoJSON(geo, { interactive: false, style: { color: '#9aa5b1', weight: 0.6,
          fillColor: '#fbfbf8', fillOpacity: 1 } }).addTo(self.map).bringToBack();
      });
    }
    this.setStatus(this.labels.loading);
    fetch(this.cfg.dataUrl, { credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (data) {
        self.features = data.features;
        self.truncated = Boolean(data.next);
        self.buildControl();
        self.render();
        self.map.getContainer().setAttribute('data-atlas-ready', 'true');
      })
      .catch(function (err) { self.setStatus(self.labels.error + ': ' + err.message); });
    this.layerGroup.addTo(this.map);
    this.shapes.addTo(this.map);
  };

  Atlas.prototype.setStatus = function (text) {
    if (this.status) { this.status.textContent = text; }
  };

  Atlas.prototype.groups = function () {
    var self = this, t = this.labels, actors = {}, vectors = {}, countries = {};
    this.features.forEach(function (f) {
      var p = f.properties;
      var a = p.actor_id === null ? NONE : String(p.actor_id);
      actors[a] = actors[a] || { key: a, label: p.actor || t.unknownActor, count: 0,
        color: self.actorColor(p.actor_id) };
      actors[a].count += 1;
      self.keys(f).vector.forEach(function (v) {
        var info = self.vectorInfo[v] || { label: v === NONE ? t.noVector : v, symbol: '•' };
        vectors[v] = vectors[v] || { key: v, label: info.label, symbol: info.symbol,
          color: info.color, count: 0 };
        vectors[v].count += 1;
      });
      self.keys(f).country.forEach(function (c) {
        countries[c] = countries[c] || { key: c,
          label: c === NONE ? t.noCountry : (self.countryNames[c] || c), count: 0 };
        countries[c].count += 1;
      });
    });
    function sorted(o) {
      return Object.keys(o).map(function (k) { return o[k]; })
        .sort(function (x, y) { return x.label.localeCompare(y.label); });
    }
    return [['actor', t.actors, sorted(actors)], ['vector', t.vectors, sorted(vectors)],
      ['country', t.countries, sorted(countries)]];
  };

  Atlas.prototype.buildControl = function () {
    var self = this;
    var Control = L.Control.extend({
      options: { position: 'topright' },
      onAdd: function () {
        var box = el('div', { 'class': 'atlas-control leaflet-control',
          'aria-label': self.labels.layers, role: 'region' });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        self.groups().forEach(function (g) {
          var fs = el('fieldset', { 'data-group': g[0] }, [el('legend', { text: g[1] })]);
          g[2].forEach(function (item) {
            var box2 = el('input', { type: 'checkbox', 'data-key': item.key });
            box2.checked = self.on[g[0]][item.key] !== false;
            box2.addEventListener('change', function () {
              self.on[g[0]][item.key] = box2.checked;
              self.render();
            });
            var mark = g[0] === 'actor' ? el('span', { 'class': 'swatch' })
              : el('span', { text: item.symbol || '' });
            if (g[0] === 'actor') { mark.style.background = item.color; }
            if (g[0] === 'vector' && item.color) { mark.style.color = item.color; }
            fs.appendChild(el('label', {}, [box2, g[0] === 'country' ? '' : mark,
              el('span', { text: item.label }),
              el('span', { 'class': 'count', text: String(item.count) })]));
          });
          box.appendChild(fs);
        });
        box.appendChild(el('p', { 'class': 'help', text: self.labels.rule }));
        return box;
      }
    });
    new Control().addTo(this.map);
  };

  Atlas.prototype.popup = function (p) {
    var self = this;
    return window.AtlasCommon.incidentPopup(p, this.labels,
      function (v) { return (self.vectorInfo[v] || { label: v }).label; },
      function (c) { return self.countryNames[c] || c; }, this.cfg.incidentUrl);
  };

  Atlas.prototype.layerFor = function (f) {
    var p = f.properties, color = this.actorColor(p.actor_id), layer;
    var first = this.vectorInfo[p.vectors[0]] || { symbol: '•' };
    if (f.geometry.type === 'Point') {
      var latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
      var pin = el('div', { 'class': 'atlas-pin', text: first.symbol });
      pin.style.background = color;
      pin.style.width = pin.style.height = '22px';
      layer = L.marker(latlng, { icon: L.divIcon({ html: pin, className: 'atlas-marker', iconSize: [22, 22] }),
        keyboard: true, title: p.title });
      layer.atlasPoint = true;
    } else {
      layer = L.geoJSON(f, { style: { color: color, weight: 2, fillOpacity: 0.2 } });
    }
    layer.bindPopup(this.popup(p));
    layer.bindTooltip(el('span', { text: p.title }));
    return layer;
  };

  Atlas.prototype.render = function () {
    var self = this, shown = [];
    this.layerGroup.clearLayers();
    this.shapes.clearLayers();
    var points = [];
    this.features.forEach(function (f) {
      if (!self.visible(f)) { return; }
      shown.push(f);
      var layer = self.layerFor(f);
      if (layer.atlasPoint) { points.push(layer); } else { self.shapes.addLayer(layer); }
    });
    if (this.layerGroup.addLayers) { this.layerGroup.addLayers(points); }
    else { points.forEach(function (l) { self.layerGroup.addLayer(l); }); }
    this.renderList(shown);
    var text = this.labels.shownOf.replace('{shown}', shown.length)
      .replace('{total}', this.features.length);
    if (this.truncated) { text += ' ' + this.labels.capped.replace('{cap}', this.cfg.cap); }
    this.setStatus(text);
    this.map.getContainer().setAttribute('data-shown', String(shown.length));
  };

  Atlas.prototype.renderList = function (shown) {
    var body = document.querySelector('#atlas-list tbody');
    if (!body) { return; }
    var self = this, rows = document.createDocumentFragment();
    shown.slice(0, 500).forEach(function (f) {
      var p = f.properties;
      rows.appendChild(el('tr', { 'data-id': String(p.id) }, [
        el('td', { text: p.start_date }),
        el('td', {}, [el('a', { href: self.cfg.incidentUrl + p.id, text: p.title })]),
        el('td', { text: p.actor || '—' }),
        el('td', { text: p.vectors.map(function (v) { return (self.vectorInfo[v] || { label: v }).label; }).join(', ') }),
        el('td', { text: p.countries.join(', ') })
      ]));
    });
    body.replaceChildren(rows);
  };

  window.AtlasMap = window.AtlasCommon.registry(Atlas);
}());
