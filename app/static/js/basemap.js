/* Hybrid Threat Atlas — the app's own basemap, for every map it draws (the threat
 * map, embeds, the editor, the locator maps, the tip picker): no tile server, no
 * request leaves the site.
 *
 * ``urls`` is the server's ``basemap_urls()`` (app/main/routes.py): the 1:110m
 * countries (``coarse``), the 1:50m ones from ``mediumZoom`` (``medium``, optional),
 * and from ``fineZoom`` the 1:10m land, coasts and borders in tiles of the view
 * (``tiles``, a {x}/{y} template on the grid of zoom ``tileZoom``, optional). A
 * tile paints its own sea, then its land unstroked (its cut edges are not coasts),
 * then its coasts and borders, so it hides the coarser outline under it; until it
 * arrives that outline shows. The container's ``data-basemap`` says what is drawn
 * ("coarse", "medium", or "tiles:<count>").
 */
(function () {
  'use strict';

  var SEA = '#dfe9f3';
  var STYLE = { color: '#8d99a6', weight: 0.7, fillColor: '#fbfbf8', fillOpacity: 1 };
  var TILE_PX = 256;
  var KEEP_TILES = 96;  // tiles kept in memory for panning back
  var fetched = {};

  /* The GeoJSON at ``url``, fetched once per page. */
  function json(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url).then(function (r) {
        if (!r.ok) { throw new Error(url + ': ' + r.status); }
        return r.json();
      });
    }
    return fetched[url];
  }

  function Basemap(map, urls, options) {
    this.map = map;
    this.urls = urls;
    this.pane = (options && options.pane) || 'tilePane';
    this.levels = {};
    this.tiles = {};
    this.order = [];
    this.shown = null;
    this.tileGroup = L.layerGroup([], { pmIgnore: true });
    map.getContainer().style.background = SEA;
    var self = this;
    map.on('zoomend moveend', function () { self.update(); });
    /* Settles once the first view's basemap is drawn (or could not be). */
    this.drawn = this.update();
  }

  Basemap.prototype.options = function (style) {
    return { interactive: false, pmIgnore: true, pane: this.pane, style: style };
  };

  Basemap.prototype.level = function (name) {
    var self = this;
    if (!this.levels[name]) {
      this.levels[name] = json(this.urls[name]).then(function (geo) {
        return L.geoJSON(geo, self.options(STYLE));
      });
    }
    return this.levels[name];
  };

  /* The whole-file level drawn at this zoom: under the tiles, the coarse one. */
  Basemap.prototype.levelFor = function (zoom) {
    var u = this.urls;
    return u.medium && zoom >= u.mediumZoom && !(u.tiles && zoom >= u.fineZoom)
      ? 'medium' : 'coarse';
  };

  Basemap.prototype.update = function () {
    var self = this, zoom = this.map.getZoom(), name = this.levelFor(zoom);
    var fine = !!this.urls.tiles && zoom >= this.urls.fineZoom;
    var level = this.level(name).then(function (layer) {
      // The view moved on (a zoom animation ended): the newer update draws.
      if (self.levelFor(self.map.getZoom()) !== name) { return self.latest; }
      if (self.shown !== layer) {
        if (self.shown) { self.map.removeLayer(self.shown); }
        self.shown = layer.addTo(self.map);
        layer.bringToBack();
      }
      if (!fine) { self.map.getContainer().setAttribute('data-basemap', name); }
    }).catch(function () { /* the map works without a basemap */ });
    if (!fine) {
      this.map.removeLayer(this.tileGroup);
      this.latest = level;
    } else {
      this.tileGroup.addTo(this.map);
      this.latest = Promise.all([level, this.loadTiles()]);
    }
    return this.latest;
  };

  /* The grid tiles over the view: fetched once, drawn while in view. */
  Basemap.prototype.loadTiles = function () {
    var self = this, map = this.map, z = this.urls.tileZoom, n = Math.pow(2, z);
    var b = map.getBounds();
    var nw = map.project(b.getNorthWest(), z).divideBy(TILE_PX).floor();
    var se = map.project(b.getSouthEast(), z).divideBy(TILE_PX).floor();
    var wanted = {};
    for (var x = Math.max(nw.x, 0); x <= Math.min(se.x, n - 1); x++) {
      for (var y = Math.max(nw.y, 0); y <= Math.min(se.y, n - 1); y++) {
        wanted[x + '/' + y] = [x, y];
      }
    }
    Object.keys(this.tiles).forEach(function (key) {
      if (!wanted[key]) { self.tileGroup.removeLayer(self.tiles[key]); }
    });
    var pending = Object.keys(wanted).map(function (key) {
      return self.tile(wanted[key][0], wanted[key][1]).then(function (layer) {
        if (self.map.getZoom() >= self.urls.fineZoom) { self.tileGroup.addLayer(layer); }
      });
    });
    return Promise.all(pending).then(function () {
      map.getContainer().setAttribute('data-basemap',
        'tiles:' + self.tileGroup.getLayers().length);
    }).catch(function () { /* the coarser outline stays where a tile failed */ });
  };

  Basemap.prototype.tile = function (x, y) {
    var key = x + '/' + y, self = this, z = this.urls.tileZoom, map = this.map;
    if (this.tiles[key]) { return Promise.resolve(this.tiles[key]); }
    var url = this.urls.tiles.replace('{x}', x).replace('{y}', y);
    return json(url).then(function (geo) {
      var nw = map.unproject([x * TILE_PX, y * TILE_PX], z);
      var se = map.unproject([(x + 1) * TILE_PX, (y + 1) * TILE_PX], z);
      // Drawn in this order: the tile's sea, its land, its coasts and borders.
      var sea = { type: 'Feature', properties: { kind: 'sea' }, geometry: { type: 'Polygon',
        coordinates: [[[nw.lng, nw.lat], [se.lng, nw.lat], [se.lng, se.lat], [nw.lng, se.lat],
          [nw.lng, nw.lat]]] } };
      var layer = L.geoJSON({ type: 'FeatureCollection', features: [sea].concat(geo.features) },
        self.options(function (f) {
          var kind = f.properties.kind;
          if (kind === 'edges') {
            return { color: STYLE.color, weight: STYLE.weight, fill: false,
              className: 'atlas-basemap-fine' };
          }
          return { stroke: false, fillOpacity: 1,
            fillColor: kind === 'land' ? STYLE.fillColor : SEA };
        }));
      self.tiles[key] = layer;
      self.order.push(key);
      if (self.order.length > KEEP_TILES) {
        var old = self.order.shift();
        self.tileGroup.removeLayer(self.tiles[old]);
        delete self.tiles[old];
      }
      return layer;
    });
  };

  window.AtlasBasemap = {
    /* Draw the basemap on ``map`` (options.pane: the pane to draw in). */
    draw: function (map, urls, options) { return new Basemap(map, urls, options); },
    /* The 1:110m countries' GeoJSON (also the barometer's shapes), fetched once. */
    countries: function (urls) { return json(urls.coarse); }
  };
}());
