"""The basemap's URLs and 1:10m tiles as every offline map asks for them."""


def test_tile_is_served_as_cached_geojson(client):
    response = client.get("/geodata/basemap-10m/6/31/22.geojson")  # Brittany
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.cache_control.public and response.cache_control.max_age == 86400
    kinds = [f["properties"]["kind"] for f in response.get_json()["features"]]
    assert kinds == ["land", "edges"]


def test_tiles_outside_the_grid_are_404(client):
    for path in ("5/31/22", "6/64/0", "6/0/64", "6/-1/0", "6/²/0"):
        assert client.get(f"/geodata/basemap-10m/{path}.geojson").status_code == 404, path


def test_every_map_page_names_the_same_basemap(app, client):
    from app.main.routes import basemap_urls
    with app.test_request_context():
        urls = basemap_urls()
    assert urls["tiles"] == "/geodata/basemap-10m/6/{x}/{y}.geojson"
    assert urls["coarse"] == "/geodata/countries-110m.geojson"
    assert urls["medium"] == "/geodata/basemap-50m.geojson"
    assert urls["mediumZoom"] < urls["fineZoom"]
    html = client.get("/tips/new").get_data(as_text=True)
    assert "/geodata/basemap-10m/6/{x}/{y}.geojson" in html and "js/basemap.js" in html
