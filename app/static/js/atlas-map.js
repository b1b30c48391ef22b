/* Hybrid Threat Atlas — the threat map: server-aggregated clusters and incidents,
 * cross-filtering layers, honest precision, barometer, time slider, list twin.
 *
 * Every string that comes from the database is put into the page with
 * textContent or as a DOM text node, never as HTML: titles such as
 * <img src=x onerror=alert(1)> or `${alert(1)}` show as text.
 *
 * Cross-filter rule (applied by the server, so counts stay true): an incident
 * is shown when its actor's layer is on, AND at least one of its vectors'
 * layers is on, AND at least one of its countries' layers is on. Each group
 * has a "none" layer (actor=none, vector=none, country=none) for incidents
 * with no actor, no vector or no country, so the rule reaches every incident.
 * The layer state lives in the URL (actor=, vector=, country=: the layers
 * that are on; absent: all on), so every view is a permalink.
 *
 * Embed mode (cfg.embed, set by /embed/<key>): the filters come from the embed
 * (cfg.embed.query), not the page URL; requests carry no credentials; the layer
 * control shows only cfg.embed.layers, in the corner cfg.embed.legend ('hidden':
 * no control); the view may start fitted to cfg.embed.fitBounds; moving the map
 * updates the "full map" link (#embed-full-map) instead of the page URL. A frozen
 * embed (cfg.embed.frozen) draws its stored levels — one world-wide /api/v1/map
 * answer per zoom, the nearest level kept for deeper or shallower zooms — and
 * asks the live API nothing (popups come from the level; layers are read-only).
 */
(function () {
  'use strict';

  var PALETTE = window.AtlasCommon.PALETTE;
  var BAROMETER_COLORS = ['#fee5d9', '#fcae91', '#fb6a4a', '#de2d26', '#a50f15'];
  var GROUPS = ['actor', 'vector', 'country'];
  // campaign: carried as is (a campaign page's map and embeds), no form field.
  var SCALARS = ['from', 'to', 'min_confidence', 'q', 'platform', 'campaign'];
  // A value that matches nothing, for a group whose layers are all off.
  var NOTHING = { actor: '0', vector: '0', country: 'XXX' };
  var NONE = 'none';  // the layer of incidents with no actor / vector / country
  // A group with more layers than this gets a search box over its list.
  var SEARCH_FROM = 9;
  // Ticks on the layer control within this many ms make one request and one redraw.
  var TICK_BATCH_MS = 350;
  // Below this map width (px) the layers panel starts folded (a phone).
  var FOLD_PANEL_BELOW = 600;
  // Place names on the offline basemap: from which zoom a city of this population
  // (or a capital) is named. Ordered most to least populous.
  var PLACE_ZOOMS = [[5000000, 4], [1000000, 5], [300000, 6]];
  var CAPITAL_ZOOM = 4, MAX_PLACES = 120;

  var el = window.AtlasCommon.el;
  // Embed mode: a frame narrower or lower than this (px) starts with its legend folded
  // (atlas-embed.js adds the button); an open corner legend is this wide at most.
  var FOLD_BELOW = { width: 600, height: 360 }, LEGEND_PX = 288;

  function readState(search) {
    var params = new URLSearchParams(search), state = {};
    GROUPS.forEach(function (g) {
      state[g] = [];
      params.getAll(g).forEach(function (v) {
        v.split(',').forEach(function (part) { if (part.trim()) { state[g].push(part.trim()); } });
      });
    });
    SCALARS.forEach(function (k) { state[k] = params.get(k) || ''; });
    state.barometer = params.get('barometer') === '1';
    return state;
  }

  function filterParams(state) {
    var params = new URLSearchParams();
    GROUPS.forEach(function (g) { state[g].forEach(function (v) { params.append(g, v); }); });
    SCALARS.forEach(function (k) { if (state[k]) { params.set(k, state[k]); } });
    return params;
  }

  /* Lower case without accents, as the server's gazetteer folds names. */
  function fold(text) {
    return (text || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
  }

  function monthStart(ym) { return ym + '-01'; }
  function monthEnd(ym) {
    var parts = ym.split('-').map(Number);
    var last = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();
    return ym + '-' + String(last).padStart(2, '0');
  }
  function monthsBetween(first, last) {
    var out = [], y = Number(first.slice(0, 4)), m = Number(first.slice(5, 7));
    var end = last.slice(0, 7);
    for (var guard = 0; guard < 1200; guard++) {
      var ym = y + '-' + String(m).padStart(2, '0');
      out.push(ym);
      if (ym >= end) { break; }
      m += 1; if (m > 12) { m = 1; y += 1; }
    }
    return out;
  }

  function Atlas(map, cfg) {
    this.map = map;
    this.cfg = cfg;
    this.labels = cfg.labels;
    this.lang = window.AtlasCommon.locale() || 'en';
    this.plurals = new Intl.PluralRules(this.lang);
    this.numbers = new Intl.NumberFormat(this.lang);
    window.AtlasCommon.localiseMap(map, cfg.labels);
    this.groupQuery = {};
    this.vectorInfo = {};
    (cfg.vectors || []).forEach(function (v) { this.vectorInfo[v.slug] = v; }, this);
    this.countryNames = cfg.countries || {};
    this.embed = cfg.embed || null;
    this.frozen = this.embed && this.embed.frozen;
    this.frozenCache = {};
    this.groups = this.embed ? GROUPS.filter(function (g) {
      return cfg.embed.layers.indexOf(g) >= 0;
    }) : GROUPS;
    this.credentials = this.embed ? 'omit' : 'same-origin';
    this.state = readState(this.embed ? this.embed.query : window.location.search);
    this.actorNames = {};
    this.layer = L.layerGroup().addTo(map);
    this.barometerLayer = null;
    this.renders = 0;
    this.status = document.getElementById('atlas-status');
    this.container = map.getContainer();
  }

  Atlas.prototype.actorColor = function (actorId) {
    if (actorId === null || actorId === undefined) { return '#555'; }
    return PALETTE[Number(actorId) % PALETTE.length];
  };

  Atlas.prototype.vector = function (slug) {
    return this.vectorInfo[slug] || { slug: slug, label: slug, symbol: '•', color: '#555' };
  };

  /* ``n`` with its noun in the page's language: labels[key] holds the plural forms
   * ({one, other, …} with {n}) as gettext's ngettext gave them. */
  Atlas.prototype.count = function (key, n) {
    var forms = this.labels[key];
    var form = forms[this.plurals.select(n)] || forms.other;
    return form.replace('{n}', this.numbers.format(n));
  };

  Atlas.prototype.setStatus = function (text) {
    if (this.status) { this.status.textContent = text; }
  };

  /* --- loading ------------------------------------------------------------ */

  Atlas.prototype.load = function () {
    var self = this;
    // Own panes, so the barometer shading lies ABOVE the offline basemap (and under
    // the incidents), and place names above the shading: visible on every basemap.
    [['atlas-basemap', 250], ['atlas-barometer', 350], ['atlas-places', 390]]
      .forEach(function (p) { self.map.createPane(p[0]).style.zIndex = String(p[1]); });
    this.map.getPane('atlas-places').style.pointerEvents = 'none';
    this.basemap = AtlasBasemap.countries(this.cfg.basemap);
    if (this.cfg.offline) { this.drawOfflineBasemap(); }
    if (!this.embed || this.embed.legend !== 'hidden') { this.buildControl(); }
    this.buildLegend();
    this.wireForm();
    if (this.embed && this.embed.fitBounds) { this.fitToData(this.embed.fitBounds); }
    this.map.on('moveend', function () { self.refresh(); });
    this.map.on('popupopen', function (e) { self.clearPopup(e.popup); });
    this.refresh(0);
  };

  /* The offline basemap (static/js/basemap.js), and the names of capitals and large
   * cities. */
  Atlas.prototype.drawOfflineBasemap = function () {
    var self = this;
    AtlasBasemap.draw(this.map, this.cfg.basemap, { pane: 'atlas-basemap' });
    if (this.cfg.placesUrl) {
      // Names come after the data: they must not delay the first drawing on a phone.
      this.placeLayer = L.layerGroup().addTo(this.map);
      this.places = new Promise(function (resolve) { self.afterFirstRender = resolve; })
        .then(function () { return fetch(self.cfg.placesUrl); })
        .then(function (r) { return r.json(); })
        .then(function (body) { return body.places; });
      this.map.on('moveend', function () { self.drawPlaces(); });
      this.drawPlaces();
    }
  };

  /* Names of the capitals and cities worth naming at this zoom, in view, most
   * populous first, skipping any whose label would overlap one already placed. */
  Atlas.prototype.drawPlaces = function () {
    var self = this, zoom = this.map.getZoom();
    this.places.then(function (places) {
      if (self.map.getZoom() !== zoom) { return; }
      var bounds = self.map.getBounds().pad(0.1), taken = [], names = [];
      for (var i = 0; i < places.length && names.length < MAX_PLACES; i++) {
        var p = places[i];
        if (!(p[4] && zoom >= CAPITAL_ZOOM) && zoom < self.placeZoom(p[3])) { continue; }
        var at = L.latLng(p[2], p[1]);
        if (!bounds.contains(at)) { continue; }
        var pt = self.map.latLngToLayerPoint(at), w = 7 * p[0].length + 10;
        var box = [pt.x - 4, pt.y - 8, pt.x + w, pt.y + 8];
        if (taken.some(function (b) {
          return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3];
        })) { continue; }
        taken.push(box);
        names.push(L.marker(at, { pane: 'atlas-places', interactive: false, keyboard: false,
          icon: L.divIcon({ className: p[4] ? 'atlas-place capital' : 'atlas-place',
            html: el('span', { text: p[0] }), iconSize: null, iconAnchor: [3, 8] }) }));
      }
      self.placeLayer.clearLayers();
      names.forEach(function (m) { self.placeLayer.addLayer(m); });
      self.container.setAttribute('data-places', String(names.length));
    });
  };

  Atlas.prototype.placeZoom = function (population) {
    for (var i = 0; i < PLACE_ZOOMS.length; i++) {
      if (population >= PLACE_ZOOMS[i][0]) { return PLACE_ZOOMS[i][1]; }
    }
    return 99;
  };

  /* A popup is never hidden under the layers panel: if they meet, the panel folds. */
  Atlas.prototype.clearPopup = function (popup) {
    var body = this.controlBody, el2 = popup.getElement();
    if (!body || body.hidden || !el2) { return; }
    var a = body.getBoundingClientRect(), b = el2.getBoundingClientRect();
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
      this.foldPanel(true);
    }
  };

  /* Fit the embed's data [W, S, E, N], clear of an open corner legend. */
  Atlas.prototype.fitToData = function (b) {
    var topLeft = [24, 24], bottomRight = [24, 24], legend = this.embed.legend;
    if (this.controlBox && !this.controlBox.hidden && legend !== 'below') {
      if (/left$/.test(legend)) { topLeft[0] += LEGEND_PX; } else { bottomRight[0] += LEGEND_PX; }
    }
    this.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { paddingTopLeft: topLeft,
      paddingBottomRight: bottomRight, maxZoom: 9, animate: false });
  };

  Atlas.prototype.bbox = function () {
    var b = this.map.getBounds(), west = b.getWest(), east = b.getEast();
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    if (east - west >= 360) { west = -180; east = 180; } else {
      west = ((west + 180) % 360 + 360) % 360 - 180;
      east = ((east + 180) % 360 + 360) % 360 - 180;
    }
    return [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(',');
  };

  Atlas.prototype.refresh = function (delay) {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.fetchData(); }, delay === undefined ? 120 : delay);
  };

  Atlas.prototype.fetchData = function () {
    var self = this;
    if (this.frozen) { this.fetchFrozen(); return; }
    if (this.inflight) { this.inflight.abort(); }
    this.inflight = new AbortController();
    var params = filterParams(this.state);
    params.set('bbox', this.bbox());
    params.set('zoom', String(this.map.getZoom()));
    this.container.setAttribute('data-loading', 'true');
    this.setStatus(this.labels.loading);
    fetch(this.cfg.dataUrl.split('?')[0] + '?' + params.toString(),
      { credentials: this.credentials, signal: this.inflight.signal })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.error || ('HTTP ' + r.status)); }
          return body;
        });
      })
      .then(function (data) { self.data = data; self.render(); })
      .catch(function (err) {
        if (err.name === 'AbortError') { return; }
        self.container.setAttribute('data-loading', 'false');
        self.setStatus(self.labels.error + ': ' + err.message);
      });
  };

  /* A frozen embed's level for the current zoom (the nearest one kept), keeping
   * what meets the view; each level is fetched once (immutable, cached). */
  Atlas.prototype.fetchFrozen = function () {
    var self = this, spec = this.embed.frozen, zooms = spec.zooms;
    var level = Math.max(zooms[0], Math.min(zooms[zooms.length - 1], this.map.getZoom()));
    this.frozenLevel = level;
    if (!this.frozenCache[level]) {
      var url = spec.levels ? spec.levels[String(level)] : spec.url.replace('{z}', String(level));
      this.container.setAttribute('data-loading', 'true');
      this.frozenCache[level] = fetch(url, { credentials: 'omit' }).then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      });
    }
    this.frozenCache[level].then(function (body) {
      if (self.frozenLevel !== level) { return; }
      self.data = self.inView(body);
      self.render();
    }).catch(function (err) {
      self.container.setAttribute('data-loading', 'false');
      self.setStatus(self.labels.error + ': ' + err.message);
    });
  };

  /* ``body`` (a world-wide level) reduced to the clusters and incidents in view. */
  Atlas.prototype.inView = function (body) {
    var box = this.bbox().split(',').map(Number);
    function meets(lon, lat) {
      var inLon = box[0] <= box[2] ? lon >= box[0] && lon <= box[2]
        : lon >= box[0] || lon <= box[2];
      return inLon && lat >= box[1] && lat <= box[3];
    }
    var clusters = body.clusters.filter(function (c) { return meets(c.lon, c.lat); });
    var features = body.features.filter(function (f) { return meets(f.lon, f.lat); });
    var total = features.length;
    clusters.forEach(function (c) { total += c.count; });
    return Object.assign({}, body, { clusters: clusters, features: features, total: total });
  };

  /* --- drawing ------------------------------------------------------------ */

  Atlas.prototype.render = function () {
    var self = this, data = this.data;
    this.renders += 1;
    data.facets.actors.forEach(function (a) { self.actorNames[String(a.id)] = a.name; });
    this.layer.clearLayers();
    data.clusters.forEach(function (c) { self.layer.addLayer(self.clusterMarker(c)); });
    data.features.forEach(function (f) { self.layer.addLayer(self.featureLayer(f)); });
    this.fillControl();
    this.renderBarometer();
    this.renderList();
    this.updateTimeline();
    this.syncUrl();
    this.setStatus(this.count('inViewCount', data.total) + ' (' +
      this.count('clusterCount', data.clusters.length) + ', ' +
      this.count('singleCount', data.features.length) + ')');
    this.fillPickers();
    var c = this.container;
    c.setAttribute('data-shown', String(data.total));
    c.setAttribute('data-renders', String(this.renders));
    c.setAttribute('data-loading', 'false');
    c.setAttribute('data-atlas-ready', 'true');
    if (this.afterFirstRender) { this.afterFirstRender(); }
  };

  /* A cluster: its count in a disc ringed by the share of each vector among what
   * it holds (c.vectors: {slug: incidents}); the ring's text alternative names them. */
  Atlas.prototype.clusterMarker = function (c) {
    var self = this, size = this.clusterSize(c.count), shares = c.vectors || {};
    var slugs = Object.keys(shares).sort(function (a, b) { return shares[b] - shares[a]; });
    var total = slugs.reduce(function (sum, k) { return sum + shares[k]; }, 0), at = 0;
    var stops = slugs.map(function (k) {
      var from = at; at += 360 * shares[k] / total;
      return [self.vector(k).color, from.toFixed(1) + 'deg', at.toFixed(1) + 'deg'].join(' ');
    });
    var text = this.count('clusterOf', c.count) + (slugs.length ? ': ' + slugs.map(function (k) {
      return self.vector(k).label + ' ' + self.numbers.format(shares[k]);
    }).join(', ') : '');
    var icon = el('div', { 'class': 'atlas-cluster-icon', text: this.numbers.format(c.count) });
    icon.style.width = icon.style.height = icon.style.lineHeight = (size - 8) + 'px';
    var ring = el('div', { 'class': 'atlas-cluster-ring' }, [icon]);
    ring.style.width = ring.style.height = size + 'px';
    ring.style.borderRadius = '50%';  // inline: embeds draw clusters without atlas-map.css
    ring.style.display = 'flex';
    ring.style.alignItems = ring.style.justifyContent = 'center';
    ring.style.background = stops.length ? 'conic-gradient(' + stops.join(', ') + ')' : '#10243a';
    var marker = L.marker([c.lat, c.lon], {
      icon: L.divIcon({ html: ring, className: 'atlas-cluster', iconSize: [size, size] }),
      keyboard: true, title: text, alt: text
    });
    marker.on('click', function () { self.openCluster(c); });
    return marker;
  };

  /* Diameter (px) of a cluster's icon; the server keeps icons of this size apart. */
  Atlas.prototype.clusterSize = function (count) {
    return Math.round(30 + 8 * Math.log10(count));
  };

  Atlas.prototype.openCluster = function (c) {
    var zooms = this.frozen && this.embed.frozen.zooms;
    if (zooms && (c.same_place || this.map.getZoom() >= zooms[zooms.length - 1])) {
      // The reader is at the deepest level kept: its clusters stay whole.
      L.popup().setLatLng([c.lat, c.lon]).setContent(el('div', { 'class': 'atlas-popup' }, [
        el('h3', { text: this.count('clusterOf', c.count) }),
        el('p', {}, [el('a', { href: this.embed.fullMapUrl, text: this.labels.frozenCluster })])
      ])).openOn(this.map);
    } else if (c.same_place || this.map.getZoom() >= this.map.getMaxZoom()) {
      this.listCluster(c);
    } else {
      this.map.fitBounds([[c.bbox[1], c.bbox[0]], [c.bbox[3], c.bbox[2]]]);
    }
  };

  Atlas.prototype.listCluster = function (c) {
    var self = this, eps = 1e-6;
    var box = c.same_place ? [c.lon - eps, c.lat - eps, c.lon + eps, c.lat + eps] : c.bbox;
    var params = filterParams(this.state);
    params.set('bbox', box.join(','));
    params.set('status', 'published');
    params.set('limit', '50');
    var popup = L.popup().setLatLng([c.lat, c.lon])
      .setContent(el('p', { text: this.labels.loading })).openOn(this.map);
    fetch(this.cfg.incidentsApiUrl + '?' + params.toString(), { credentials: this.credentials })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        var items = geo.features.map(function (f) {
          return el('li', {}, [el('a', { href: self.cfg.incidentUrl + f.id,
            text: f.properties.title })]);
        });
        var body = [el('h3', { text: self.labels.near + ' (' + c.count + ')' }),
          el('ul', {}, items)];
        if (geo.next) { body.push(el('p', { text: '… ' + self.labels.more })); }
        popup.setContent(el('div', { 'class': 'atlas-popup' }, body));
      });
  };

  Atlas.prototype.pin = function (f) {
    var first = this.vector(f.vectors[0]);
    var pin = el('div', { 'class': 'atlas-pin', text: first.symbol });
    pin.style.background = this.actorColor(f.actor_id);
    var coarse = f.geo_precision === 'region' || f.geo_precision === 'country';
    if (!coarse) { return pin; }
    return el('div', { 'class': 'atlas-coarse' }, [pin,
      el('span', { 'class': 'atlas-coarse-label', text: this.labels[f.geo_precision] })]);
  };

  Atlas.prototype.featureLayer = function (f) {
    var self = this, color = this.actorColor(f.actor_id), group = L.featureGroup();
    var latlng = L.latLng(f.lat, f.lon), main;
    if (f.geometry) {
      // Outline-led, light fill: overlapping areas stay readable as outlines.
      main = L.geoJSON(f.geometry, { style: { color: color, weight: 2, opacity: 0.9,
        fillOpacity: 0.06, dashArray: f.geo_precision === 'exact' ? null : '6 4' } });
    } else {
      var coarse = f.geo_precision === 'region' || f.geo_precision === 'country';
      main = L.marker(latlng, { keyboard: true, title: f.title, icon: L.divIcon({
        html: this.pin(f), className: 'atlas-marker atlas-precision-' + f.geo_precision,
        iconSize: coarse ? [110, 22] : [22, 22], iconAnchor: [11, 11] }) });
      if (f.geo_precision !== 'exact' && f.precision_m) {
        // The soft circle says "somewhere around here", at the stated precision.
        // "Somewhere around here", at the stated precision: a thin dashed outline and
        // a faint fill, so a dozen overlapping circles read as circles, not a wash.
        group.addLayer(L.circle(latlng, { radius: f.precision_m, color: color, weight: 1,
          opacity: 0.55, dashArray: '3 4', fillColor: color, fillOpacity: 0.04,
          interactive: false }));
      }
    }
    main.bindTooltip(el('span', { text: f.title }));
    main.on('click', function (e) { self.openDetails(f, e.latlng || latlng); });
    group.addLayer(main);
    return group;
  };

  Atlas.prototype.openDetails = function (f, latlng) {
    var self = this;
    if (this.frozen) {  // as of the freeze: the level holds what the popup shows
      L.popup().setLatLng(latlng).setContent(this.popup(f)).openOn(this.map);
      return;
    }
    var popup = L.popup().setLatLng(latlng)
      .setContent(el('p', { text: this.labels.loading })).openOn(this.map);
    fetch(this.cfg.incidentApiUrl + f.id, { credentials: this.credentials })
      .then(function (r) { return r.json(); })
      .then(function (feature) { popup.setContent(self.popup(feature.properties)); });
  };

  Atlas.prototype.popup = function (p) {
    var self = this;
    return window.AtlasCommon.incidentPopup(p, this.labels,
      function (v) { return self.vector(v).label; },
      function (c) { return self.countryNames[c] || c; }, this.cfg.incidentUrl);
  };

  /* --- layer control (cross-filtering) ------------------------------------- */

  /* The layers panel. On the map page it has a header button that folds it
   * (folded at first on a narrow map); an embed's legend is folded by atlas-embed.js. */
  Atlas.prototype.buildControl = function () {
    var self = this;
    var corner = this.embed && this.embed.legend !== 'below' ? this.embed.legend : 'topright';
    var Control = L.Control.extend({
      options: { position: corner },
      onAdd: function () {
        var box = el('div', { 'class': 'atlas-control leaflet-control', role: 'region',
          'aria-label': self.labels.layers });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var size = self.map.getSize();
        if (self.embed) {
          if (self.embed.legend !== 'below') {
            box.hidden = size.x < FOLD_BELOW.width || size.y < FOLD_BELOW.height;
          }
          self.controlBox = self.controlBody = box;
          return box;
        }
        var body = el('div', { 'class': 'atlas-control-body', id: 'atlas-layers' });
        var fold = el('button', { type: 'button', 'class': 'atlas-fold',
          'aria-controls': 'atlas-layers', text: self.labels.layers });
        fold.addEventListener('click', function () { self.foldPanel(!body.hidden); });
        box.appendChild(fold);
        box.appendChild(body);
        self.controlBox = box;
        self.controlBody = body;
        self.foldButton = fold;
        self.foldPanel(size.x < FOLD_PANEL_BELOW);
        return box;
      }
    });
    new Control().addTo(this.map);
  };

  Atlas.prototype.foldPanel = function (folded) {
    if (!this.foldButton) { return; }
    this.controlBody.hidden = folded;
    this.foldButton.setAttribute('aria-expanded', String(!folded));
    this.controlBox.classList.toggle('folded', folded);
  };

  Atlas.prototype.noneItem = function (group, count) {
    var t = this.labels;
    return { key: NONE, count: count, none: true, color: '#555',
      symbol: group === 'actor' ? '' : '∅',
      label: group === 'actor' ? t.noActor : group === 'vector' ? t.noVector : t.noCountry };
  };

  Atlas.prototype.groupItems = function (group) {
    var self = this, f = this.data.facets, items = {};
    if (group === 'actor') {
      f.actors.forEach(function (a) {
        items[String(a.id)] = a.id === NONE ? self.noneItem(group, a.count)
          : { key: String(a.id), label: a.name, count: a.count, color: self.actorColor(a.id) };
      });
    } else {
      var counts = group === 'vector' ? f.vectors : f.countries;
      Object.keys(counts).forEach(function (k) {
        if (k === NONE) { items[k] = self.noneItem(group, counts[k]); return; }
        var label = group === 'vector' ? self.vector(k).label : (self.countryNames[k] || k);
        items[k] = { key: k, label: label, count: counts[k] };
        if (group === 'vector') { items[k].symbol = self.vector(k).symbol; items[k].color = self.vector(k).color; }
      });
    }
    this.state[group].forEach(function (k) {
      // Layers that are on but empty under the other filters stay listed, with 0.
      if (items[k] || k === NOTHING[group]) { return; }
      if (k === NONE) { items[k] = self.noneItem(group, 0); return; }
      if (group === 'actor' && !/^\d+$/.test(k)) { return; }  // a name, matched by label
      items[k] = { key: k, count: 0,
        label: group === 'actor' ? (self.actorNames[k] || k)
          : group === 'vector' ? self.vector(k).label : (self.countryNames[k] || k),
        color: group === 'actor' ? self.actorColor(k) : self.vector(k).color,
        symbol: group === 'vector' ? self.vector(k).symbol : undefined };
    });
    // "none" comes last in its group.
    return Object.keys(items).map(function (k) { return items[k]; })
      .sort(function (x, y) { return (x.none ? 1 : 0) - (y.none ? 1 : 0) || x.label.localeCompare(y.label); });
  };

  Atlas.prototype.isOn = function (group, item) {
    var on = this.state[group];
    if (!on.length) { return true; }
    return on.indexOf(item.key) >= 0 || (group === 'actor' && on.indexOf(item.label) >= 0);
  };

  Atlas.prototype.toggle = function (group, key, checked) {
    var self = this, items = this.groupItems(group);
    var on = items.filter(function (it) { return self.isOn(group, it); })
      .map(function (it) { return it.key; });
    on = on.filter(function (k) { return k !== key; });
    if (checked) { on.push(key); }
    if (on.length === items.length) { on = []; } else if (!on.length) { on = [NOTHING[group]]; }
    this.state[group] = on;
    // Ticks in quick succession are one change: one request, one redraw.
    this.refresh(TICK_BATCH_MS);
  };

  /* "Only this", "All", "None" and the filter bar's pickers: the group's layers
   * that are on become exactly ``keys`` ([]: all). One request, at once. */
  Atlas.prototype.setGroup = function (group, keys) {
    if (this.state[group].join('\n') === keys.join('\n')) { return; }  // no change
    this.state[group] = keys;
    this.refresh(0);
  };

  Atlas.prototype.fillControl = function () {
    var self = this, t = this.labels, box = this.controlBody;
    if (!box) { return; }
    var focused = document.activeElement;
    var focusKey = focused && focused.getAttribute && (focused.getAttribute('data-key') ||
      focused.getAttribute('data-action'));
    var focusGroup = focusKey && focused.closest('fieldset') &&
      focused.closest('fieldset').getAttribute('data-group');
    var focusSelector = focused && focused.getAttribute && (focused.getAttribute('data-key')
      ? 'input[data-key="' : '[data-action="');
    var titles = { actor: t.actors, vector: t.vectors, country: t.countries };
    var tools = !this.embed;  // an embed's legend stays a compact legend
    var parts = this.groups.map(function (group) {
      var items = self.groupItems(group), legendId = 'atlas-legend-' + group;
      var legend = el('legend', { id: legendId, text: titles[group] });
      var fs = el('fieldset', { 'data-group': group }, [legend]);
      if (tools) {
        var actions = el('span', { 'class': 'group-actions' });
        [['all', t.all, []], ['none', t.none, [NOTHING[group]]]].forEach(function (a) {
          var b = el('button', { type: 'button', 'class': 'link', 'data-action': a[0],
            'aria-describedby': legendId, text: a[1] });
          b.addEventListener('click', function () { self.setGroup(group, a[2]); });
          actions.appendChild(b);
        });
        fs.appendChild(actions);
      }
      var list = el('div', { 'class': 'group-items' });
      if (tools && items.length >= SEARCH_FROM) {
        var search = el('input', { type: 'search', 'class': 'group-search', 'data-action': 'search',
          'aria-label': t.searchIn.replace('{group}', titles[group]), placeholder: t.search });
        search.value = self.groupQuery[group] || '';
        search.addEventListener('input', function () {
          self.groupQuery[group] = search.value;
          self.filterGroupItems(list, search.value);
        });
        fs.appendChild(search);
      }
      items.forEach(function (item) {
        var input = el('input', { type: 'checkbox', 'data-key': item.key });
        input.checked = self.isOn(group, item);
        input.disabled = Boolean(self.frozen);  // a frozen embed's layers are as published
        input.addEventListener('change', function () { self.toggle(group, item.key, input.checked); });
        var mark = el('span', { 'class': group === 'actor' ? 'swatch' : 'symbol',
          'aria-hidden': 'true', text: item.symbol || '' });
        if (group === 'actor') { mark.style.background = item.color; }
        if (group === 'vector') { mark.style.color = item.color; }
        var row = el('div', { 'class': 'layer-row', 'data-label': item.label }, [
          el('label', {}, [input, group === 'country' ? '' : mark,
            el('span', { 'class': 'name', text: item.label }),
            el('span', { 'class': 'count', text: self.numbers.format(item.count) })])]);
        if (tools) {
          var only = el('button', { type: 'button', 'class': 'only', 'data-action': 'only-' + item.key,
            'aria-label': t.onlyThis.replace('{name}', item.label), text: t.only });
          only.addEventListener('click', function () { self.setGroup(group, [item.key]); });
          row.appendChild(only);
        }
        list.appendChild(row);
      });
      fs.appendChild(list);
      if (self.groupQuery[group]) { self.filterGroupItems(list, self.groupQuery[group]); }
      return fs;
    });
    parts.push(el('p', { 'class': 'help', text: t.rule + ' ' + t.noneRule }));
    box.replaceChildren.apply(box, parts);
    if (focusKey && focusGroup) {
      var again = box.querySelector('fieldset[data-group="' + focusGroup + '"] ' +
        focusSelector + CSS.escape(focusKey) + '"]');
      if (again) { again.focus(); }
    }
  };

  /* Hide the rows of a group whose name does not contain ``query`` (accents and
   * case ignored); nothing is asked of the server. */
  Atlas.prototype.filterGroupItems = function (list, query) {
    var key = fold(query);
    list.querySelectorAll('.layer-row').forEach(function (row) {
      row.hidden = Boolean(key) && fold(row.getAttribute('data-label')).indexOf(key) < 0;
    });
  };

  /* --- filter bar pickers (actor, vector, country with type-ahead) ------------- */

  /* The choices of a picker: [{key, label}], every country and vector, the actors
   * the data names (with any kept in the URL). */
  Atlas.prototype.pickerChoices = function (group) {
    var self = this;
    if (group === 'country') {
      return Object.keys(this.countryNames).map(function (k) {
        return { key: k, label: self.countryNames[k] };
      });
    }
    if (group === 'vector') {
      return (this.cfg.vectors || []).map(function (v) { return { key: v.slug, label: v.label }; });
    }
    return this.data ? this.groupItems('actor').filter(function (it) { return !it.none; }) : [];
  };

  Atlas.prototype.fillPickers = function () {
    var self = this;
    document.querySelectorAll('input[data-pick]').forEach(function (input) {
      var group = input.getAttribute('data-pick'), choices = self.pickerChoices(group);
      var list = document.getElementById(input.getAttribute('list'));
      if (list && (group === 'actor' || !list.children.length)) {
        list.replaceChildren.apply(list, choices.sort(function (a, b) {
          return a.label.localeCompare(b.label);
        }).map(function (c) { return el('option', { value: c.label }); }));
      }
      if (document.activeElement === input) { return; }
      var on = self.state[group], one = on.length === 1 && choices.filter(function (c) {
        return c.key === on[0] || c.label === on[0];
      })[0];
      input.value = one ? one.label : '';
    });
  };

  /* A picker's value chosen or typed: that layer only (empty: all); a country is
   * brought into view. Text matching no choice changes nothing and says so. */
  Atlas.prototype.pick = function (input) {
    var group = input.getAttribute('data-pick'), value = fold(input.value);
    input.setCustomValidity('');
    input.removeAttribute('aria-invalid');
    if (!value) { this.setGroup(group, []); return; }
    var match = this.pickerChoices(group).filter(function (c) {
      return fold(c.label) === value || fold(c.key) === value;
    })[0];
    var problem = match ? '' : this.labels.noMatch.replace('{value}', input.value.trim());
    input.setCustomValidity(problem);
    input.setAttribute('aria-invalid', String(!match));
    if (!match) {
      input.reportValidity();
      this.setStatus(problem);
      return;
    }
    input.value = match.label;
    if (this.state[group].join('\n') === match.key) { return; }  // already so (Enter, then blur)
    if (group === 'country') { this.fitCountry(match.key); }
    this.setGroup(group, [match.key]);
  };

  /* Fit a country's main territory (bbox from the app's geodata, cfg.countryBounds). */
  Atlas.prototype.fitCountry = function (iso) {
    var b = (this.cfg.countryBounds || {})[iso];
    if (!b) { return; }
    this.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [16, 16], maxZoom: 8,
      animate: false });
  };

  /* --- barometer ----------------------------------------------------------- */

  Atlas.prototype.buildLegend = function () {
    var self = this;
    var Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        self.legendBox = el('div', { 'class': 'atlas-legend leaflet-control', role: 'region',
          'aria-label': self.labels.barometer });
        self.legendBox.hidden = true;
        return self.legendBox;
      }
    });
    new Legend().addTo(this.map);
    var toggle = document.getElementById('atlas-barometer');
    if (toggle) {
      toggle.checked = this.state.barometer;
      toggle.addEventListener('change', function () {
        self.state.barometer = toggle.checked;
        self.renderBarometer();
        self.syncUrl();
      });
    }
  };

  Atlas.prototype.classOf = function (count, breaks) {
    for (var i = 0; i < breaks.length; i++) { if (count <= breaks[i]) { return i; } }
    return breaks.length - 1;
  };

  Atlas.prototype.renderBarometer = function () {
    var self = this;
    if (this.barometerLayer) { this.map.removeLayer(this.barometerLayer); this.barometerLayer = null; }
    this.legendBox.hidden = !this.state.barometer;
    if (!this.state.barometer || !this.data) { return; }
    var baro = this.data.barometer, token = this.renders;
    var colors = BAROMETER_COLORS.slice(BAROMETER_COLORS.length - baro.breaks.length);
    this.basemap.then(function (geo) {
      if (token !== self.renders || !self.state.barometer) { return; }
      self.barometerLayer = L.geoJSON(geo, {
        pane: 'atlas-barometer',
        filter: function (f) { return baro.counts[f.properties.iso_a3] > 0; },
        style: function (f) {
          return { color: '#7a1f1f', weight: 0.5, fillOpacity: 0.7,
            fillColor: colors[self.classOf(baro.counts[f.properties.iso_a3], baro.breaks)] };
        },
        onEachFeature: function (f, layer) {
          var iso = f.properties.iso_a3;
          layer.bindTooltip(el('span', { text: self.labels.field.replace('{label}',
            self.countryNames[iso] || iso).replace('{value}',
            self.count('incidentCount', baro.counts[iso])) }), { sticky: true });
        }
      }).addTo(self.map);
      self.container.setAttribute('data-barometer', String(self.barometerLayer.getLayers().length));
    });
    var rows = baro.breaks.map(function (upper, i) {
      var lower = i === 0 ? 1 : baro.breaks[i - 1] + 1;
      var swatch = el('span', { 'class': 'swatch square', 'aria-hidden': 'true' });
      swatch.style.background = colors[i];
      return el('li', {}, [swatch, el('span', { text: lower === upper ? String(upper)
        : lower + '–' + upper })]);
    });
    this.legendBox.replaceChildren(el('strong', { text: this.labels.barometer }),
      el('ul', {}, rows));
  };

  /* --- list twin ----------------------------------------------------------- */

  Atlas.prototype.renderList = function () {
    var body = document.querySelector('#atlas-list tbody');
    if (!body) { return; }
    var self = this, t = this.labels, rows = document.createDocumentFragment();
    this.data.features.forEach(function (f) {
      var swatch = el('span', { 'class': 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = self.actorColor(f.actor_id);
      var actor = f.actor_id === null ? t.unknownActor
        : (self.actorNames[String(f.actor_id)] || String(f.actor_id));
      rows.appendChild(el('tr', { 'data-id': String(f.id) }, [
        el('td', { 'class': 'date',
          text: window.AtlasCommon.formatDay(f.start_date, 'compact') }),
        el('td', {}, [el('a', { href: self.cfg.incidentUrl + f.id, text: f.title })]),
        el('td', { 'class': 'precision', text: t[f.geo_precision] || f.geo_precision }),
        el('td', {}, [swatch, ' ', actor]),
        el('td', { text: f.vectors.map(function (v) {
          return self.vector(v).symbol + ' ' + self.vector(v).label;
        }).join(', ') }),
        el('td', { text: f.countries.map(function (c) {
          return self.countryNames[c] || c;
        }).join(', ') })
      ]));
    });
    this.data.clusters.forEach(function (c) {
      var button = el('button', { type: 'button', 'class': 'link', text: t.zoomIn });
      button.addEventListener('click', function () { self.openCluster(c); });
      rows.appendChild(el('tr', { 'class': 'cluster-row' }, [
        el('td', { text: '' }),
        el('td', { text: self.count('clusterOf', c.count) }),
        el('td', { colspan: '4' }, [button])
      ]));
    });
    body.replaceChildren(rows);
    var toggle = document.getElementById('atlas-list-count');
    if (toggle) { toggle.textContent = this.numbers.format(this.data.features.length +
      this.data.clusters.length); }
  };

  /* --- filters form, time slider, URL ---------------------------------------- */

  Atlas.prototype.wireForm = function () {
    var self = this, form = document.querySelector('form.filters');
    if (!form) { return; }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      self.stopPlayback();
      SCALARS.forEach(function (k) {
        var input = form.querySelector('[name="' + k + '"]');
        if (input) { self.state[k] = input.value.trim(); }
      });
      self.refresh(0);
    });
    var from = document.getElementById('atlas-slider-from');
    var to = document.getElementById('atlas-slider-to');
    [from, to].forEach(function (input) {
      if (!input) { return; }
      input.addEventListener('input', function () {
        self.stopPlayback();
        var a = Number(from.value), b = Number(to.value);
        if (a > b) { if (input === from) { to.value = a; } else { from.value = b; } }
        self.setPeriod(self.months[Number(from.value)], self.months[Number(to.value)]);
      });
    });
    var play = document.getElementById('atlas-play');
    if (play) { play.addEventListener('click', function () { self.togglePlayback(); }); }
    form.querySelectorAll('input[data-pick]').forEach(function (input) {
      input.addEventListener('change', function () { self.pick(input); });
      input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') { e.preventDefault(); self.pick(input); }
      });
    });
    this.wireDrawers(form);
  };

  /* Narrow screens: the filter fields and the incident list fold behind buttons
   * (the list becomes a drawer over the map). */
  Atlas.prototype.wireDrawers = function (form) {
    var self = this, layout = form.closest('.map-layout');
    var filters = document.getElementById('atlas-filters-toggle');
    if (filters) {
      form.classList.add('folds');
      this.map.invalidateSize();  // folding the fields on a phone made the map taller
      filters.addEventListener('click', function () {
        var open = !form.classList.contains('open');
        form.classList.toggle('open', open);
        filters.setAttribute('aria-expanded', String(open));
        self.map.invalidateSize();
      });
    }
    var list = document.getElementById('atlas-list-toggle');
    if (list && layout) {
      list.addEventListener('click', function () {
        var open = layout.getAttribute('data-view') !== 'list';
        layout.setAttribute('data-view', open ? 'list' : 'map');
        list.setAttribute('aria-expanded', String(open));
      });
    }
  };

  /* The one time mechanism: the slider, playback and the date fields all set from/to. */
  Atlas.prototype.setPeriod = function (firstMonth, lastMonth) {
    this.state.from = monthStart(firstMonth);
    this.state.to = monthEnd(lastMonth);
    var form = document.querySelector('form.filters');
    if (form) {
      form.querySelector('[name="from"]').value = this.state.from;
      form.querySelector('[name="to"]').value = this.state.to;
    }
    this.refresh(0);
  };

  Atlas.prototype.updateTimeline = function () {
    var from = document.getElementById('atlas-slider-from');
    var to = document.getElementById('atlas-slider-to');
    var out = document.getElementById('atlas-period');
    if (!from || !this.data.period) { return; }
    var first = this.data.period.min.slice(0, 7), last = this.data.period.max.slice(0, 7);
    if (this.state.from && this.state.from.slice(0, 7) < first) { first = this.state.from.slice(0, 7); }
    if (this.state.to && this.state.to.slice(0, 7) > last) { last = this.state.to.slice(0, 7); }
    this.months = monthsBetween(first, last);
    var max = this.months.length - 1;
    from.max = to.max = String(max);
    var a = this.state.from ? this.months.indexOf(this.state.from.slice(0, 7)) : 0;
    var b = this.state.to ? this.months.indexOf(this.state.to.slice(0, 7)) : max;
    from.value = String(a < 0 ? 0 : a);
    to.value = String(b < 0 ? max : b);
    var month = function (i) { return window.AtlasCommon.formatDay(this.months[i], 'month'); }
      .bind(this);
    var text = month(Number(from.value)) + ' – ' + month(Number(to.value));
    from.setAttribute('aria-valuetext', month(Number(from.value)));
    to.setAttribute('aria-valuetext', month(Number(to.value)));
    if (out) { out.textContent = text; }
  };

  /* Play steps month by month; Pause (or the end) puts back the period chosen
   * before Play, so no one-month period stays silently in the URL. */
  Atlas.prototype.togglePlayback = function () {
    if (this.playing) { this.stopPlayback(true); return; }
    var self = this, from = document.getElementById('atlas-slider-from');
    var i = Number(from.value);
    this.beforePlay = { from: this.state.from, to: this.state.to };
    this.playing = setInterval(function () {
      if (!self.months || i >= self.months.length) { self.stopPlayback(true); return; }
      self.setPeriod(self.months[i], self.months[i]);
      i += 1;
    }, this.cfg.playbackMs || 1200);
    var play = document.getElementById('atlas-play');
    if (play) { play.textContent = this.labels.pause; play.setAttribute('aria-pressed', 'true'); }
  };

  /* Stop playback; ``restore``: back to the period before Play (else the reader
   * chose a new one, which stays). */
  Atlas.prototype.stopPlayback = function (restore) {
    if (!this.playing) { return; }
    clearInterval(this.playing);
    this.playing = null;
    var play = document.getElementById('atlas-play');
    if (play) { play.textContent = this.labels.play; play.setAttribute('aria-pressed', 'false'); }
    if (restore && this.beforePlay) {
      this.state.from = this.beforePlay.from;
      this.state.to = this.beforePlay.to;
      var form = document.querySelector('form.filters');
      if (form) {
        form.querySelector('[name="from"]').value = this.state.from;
        form.querySelector('[name="to"]').value = this.state.to;
      }
      this.refresh(0);
    }
  };

  Atlas.prototype.syncUrl = function () {
    var params = filterParams(this.state), c = this.map.getCenter().wrap();
    var at = [Math.max(-85, Math.min(85, c.lat)).toFixed(4), c.lng.toFixed(4),
      Math.max(2, this.map.getZoom())].join(',');
    if (this.embed) {  // the page is the embed's: the link to the full map follows the view
      var link = document.getElementById('embed-full-map');
      params.set('at', at);
      if (link) { link.href = this.embed.fullMapUrl.split('?')[0] + '?' + params.toString(); }
      return;
    }
    params.set('at', at);
    if (this.state.barometer) { params.set('barometer', '1'); }
    window.history.replaceState(null, '', window.location.pathname + '?' + params.toString());
    var embed = document.getElementById('atlas-embed-view');
    if (embed) { embed.href = this.cfg.embedUrl + '?' + params.toString(); }
  };

  window.AtlasMap = window.AtlasCommon.registry(Atlas);
}());
