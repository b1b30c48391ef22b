"""app.maps.assets: folium maps load every script and stylesheet from app/static."""

from pathlib import Path

import folium
import pytest
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, GeoMan, GroupedLayerControl, MarkerCluster

from app.maps.assets import (
    DROPPED_CSS,
    DROPPED_JS,
    LOCAL_CSS,
    LOCAL_JS,
    asset_urls,
    is_remote,
    remote_asset_urls,
    use_local_assets,
)

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "app" / "static"
PREFIX = "/static/"


def static_url(filename):
    return PREFIX + filename


def build_map():
    """A map like the threat map's: layers, markers, tooltips, fullscreen; no popups
    (folium's popups need jQuery, which is not shipped: atlas-map.js draws ours)."""
    m = folium.Map(location=[50.85, 4.35], zoom_start=5)
    incidents = folium.FeatureGroup(name="Incidents")
    folium.Marker([48.85, 2.35], tooltip="Paris").add_to(incidents)
    incidents.add_to(m)
    other = folium.FeatureGroup(name="Other").add_to(m)
    folium.CircleMarker([52.52, 13.40], radius=5).add_to(other)
    folium.LayerControl().add_to(m)
    Fullscreen().add_to(m)
    return m


def render(m):
    return m.get_root().render()


def test_cdn_urls_replaced_by_local_ones():
    m = use_local_assets(build_map(), static_url)
    html = render(m)

    urls = asset_urls(html)
    assert urls, "expected script/link tags in the rendered map"
    assert remote_asset_urls(html) == []
    assert not [u for _, u in urls if u.startswith(("http://", "https://", "//"))]
    # The tile URL template is still there, inside the map script.
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in html

    scripts = [u for tag, u in urls if tag == "script"]
    links = [u for tag, u in urls if tag == "link"]
    assert scripts == [
        static_url(LOCAL_JS["leaflet"]),
        static_url(LOCAL_JS["Control.Fullscreen.js"]),
    ]
    assert links == [
        static_url(LOCAL_CSS["leaflet_css"]),
        static_url(LOCAL_CSS["Control.FullScreen.css"]),
    ]
    for url in scripts + links:
        assert url.startswith(PREFIX)
        assert (STATIC / url[len(PREFIX):]).is_file(), url


@pytest.mark.parametrize("word", ["jquery", "bootstrap", "glyphicons", "fontawesome", "awesome"])
def test_dropped_libraries_not_referenced(word):
    html = render(use_local_assets(build_map(), static_url))
    assert not [u for _, u in asset_urls(html) if word in u.lower()]


@pytest.mark.parametrize("plugin", [MarkerCluster, GroupedLayerControl])
def test_unvendored_folium_plugins_are_refused(plugin):
    """leaflet.markercluster and leaflet-groupedlayercontrol are not shipped (the map
    clusters on the server and draws its own layer control): using them fails loudly
    instead of sending readers to a CDN."""
    m = folium.Map()
    group = folium.FeatureGroup(name="Incidents").add_to(m)
    (plugin({"Layers": [group]}) if plugin is GroupedLayerControl else plugin()).add_to(m)
    with pytest.raises(ValueError, match="No local copy"):
        use_local_assets(m, static_url)


def test_folium_class_lists_untouched():
    before = {
        cls: (list(cls.default_js), list(cls.default_css))
        for cls in (folium.Map, Fullscreen, GeoMan)
    }
    use_local_assets(build_map(), static_url)
    for cls, (js, css) in before.items():
        assert cls.default_js == js and cls.default_css == css
    assert all(is_remote(url) for _, url in folium.Map.default_js)
    # A map that is not localized still renders folium's own CDN links.
    assert remote_asset_urls(render(folium.Map()))


def test_idempotent():
    m = build_map()
    use_local_assets(m, static_url)
    first = asset_urls(render(m))
    use_local_assets(m, static_url)
    assert asset_urls(render(m)) == first


def test_other_mapped_plugins():
    m = folium.Map()
    GeoMan().add_to(m)
    Fullscreen().add_to(m)
    html = render(use_local_assets(m, static_url))
    urls = [u for _, u in asset_urls(html)]
    assert remote_asset_urls(html) == []
    for path in (
        LOCAL_JS["leaflet_geoman_js"],
        LOCAL_CSS["leaflet_geoman_css"],
        LOCAL_JS["Control.Fullscreen.js"],
        LOCAL_CSS["Control.FullScreen.css"],
    ):
        assert static_url(path) in urls


def test_every_mapped_file_is_vendored_with_a_licence():
    paths = list(LOCAL_JS.values()) + list(LOCAL_CSS.values())
    for path in paths:
        assert (STATIC / path).is_file(), path
        assert not path.endswith(".map")
    for directory in {(STATIC / p).parent for p in paths}:
        assert list(directory.glob("*LICEN[CS]E*")), f"no licence file in {directory}"
    assert (STATIC / "vendor" / "README.md").is_file()
    # Leaflet resolves its marker and layer icons relative to leaflet.css.
    for image in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png", "layers.png"):
        assert (STATIC / "vendor" / "leaflet" / "images" / image).is_file()
    assert not set(LOCAL_JS) & DROPPED_JS and not set(LOCAL_CSS) & DROPPED_CSS


class CdnPlugin(JSCSSMixin, folium.MacroElement):
    default_js = [("someplugin_js", "https://cdn.example.org/someplugin/1.0/someplugin.js")]
    default_css = [("someplugin_css", "https://cdn.example.org/someplugin/1.0/someplugin.css")]


class CdnCssPlugin(JSCSSMixin, folium.MacroElement):
    default_css = [("othercss", "//cdn.example.org/other.css")]


class LocalPlugin(JSCSSMixin, folium.MacroElement):
    default_js = [("mine", "/static/js/mine.js")]


def test_unknown_cdn_asset_raises_naming_it():
    m = build_map()
    CdnPlugin().add_to(m)
    with pytest.raises(ValueError, match="someplugin_js") as exc:
        use_local_assets(m, static_url)
    assert "someplugin.js" in str(exc.value)
    # Nothing was half-applied.
    assert m.default_js is folium.Map.default_js


def test_unknown_protocol_relative_css_raises():
    m = folium.Map()
    CdnCssPlugin().add_to(m)
    with pytest.raises(ValueError, match="othercss"):
        use_local_assets(m, static_url)


def test_nested_unknown_asset_is_found():
    m = folium.Map()
    group = folium.FeatureGroup().add_to(m)
    marker = folium.Marker([0, 0]).add_to(group)
    CdnPlugin().add_to(marker)
    with pytest.raises(ValueError, match="someplugin"):
        use_local_assets(m, static_url)


def test_remote_link_element_raises():
    m = folium.Map()
    m.get_root().header.add_child(folium.JavascriptLink("https://cdn.example.org/x.js"))
    with pytest.raises(ValueError, match="cdn.example.org/x.js"):
        use_local_assets(m, static_url)


def test_unknown_local_asset_is_kept():
    m = folium.Map()
    LocalPlugin().add_to(m)
    html = render(use_local_assets(m, static_url))
    assert ("script", "/static/js/mine.js") in asset_urls(html)


def test_url_for_static_callable_is_used():
    html = render(use_local_assets(folium.Map(), lambda f: f"https://atlas.test/s/{f}?v=1"))
    assert ("script", "https://atlas.test/s/vendor/leaflet/leaflet.js?v=1") in asset_urls(html)


def test_helpers():
    assert is_remote("https://a/b.js") and is_remote("//a/b.js") and is_remote("HTTP://a")
    assert not is_remote("/static/x.js") and not is_remote("vendor/x.js")
    html = '<link rel="stylesheet" href="https://x/y.css"/><script src="/static/a.js"></script>'
    assert asset_urls(html) == [("link", "https://x/y.css"), ("script", "/static/a.js")]
    assert remote_asset_urls(html) == [("link", "https://x/y.css")]


def test_alternate_links_are_not_assets():
    html = ('<link rel="alternate" type="application/json+oembed" href="https://x/oembed">'
            '<link rel="stylesheet" href="https://x/y.css">')
    assert asset_urls(html) == [("link", "https://x/y.css")]
