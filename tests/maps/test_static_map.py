"""The static map's notes: title, legend, credit and date drawn as plain text."""
from app.maps.static_map import MapNotes, build_figure, render_png
from config import BASE_DIR

BASEMAP = BASE_DIR / "geodata" / "countries-110m.geojson"
PARIS = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]}}]
NOTES = MapNotes(title="Cyber in $France$ <b>", credit="Hybrid Threat Atlas",
                 as_of="As of 2025-03-01 12:00 UTC",
                 legend=[("Vectors", [("Cyber", 3), ("Energy", 1)])])


def _texts(fig):
    return [t.get_text() for t in fig.texts]


def test_notes_are_drawn_as_plain_text_with_title_legend_credit_and_date():
    fig = build_figure(PARIS, basemap=BASEMAP, width=1200, height=630, notes=NOTES)
    texts = _texts(fig)
    assert "Cyber in $France$ <b>" in texts  # as typed: no TeX, no markup
    assert all(not t.get_parse_math() for t in fig.texts)
    assert "As of 2025-03-01 12:00 UTC\nHybrid Threat Atlas" in texts
    assert "Vectors: Cyber 3 · Energy 1" in texts


def test_a_thumbnail_keeps_title_and_credit_but_drops_the_legend():
    fig = build_figure(PARIS, basemap=BASEMAP, width=320, height=180, notes=NOTES)
    assert len(fig.texts) == 2 and not any("Vectors" in t for t in _texts(fig))
    assert fig.texts[0].get_fontsize() < 10


def test_a_long_title_is_cut_to_the_image_width():
    notes = MapNotes(title="Long " * 200, credit="c", as_of="d")
    fig = build_figure(PARIS, basemap=BASEMAP, width=400, height=300, notes=notes)
    title = fig.texts[0].get_text()
    assert title.endswith("…") and len(title) < 80


def test_the_png_with_notes_carries_more_than_the_bare_map():
    bare = render_png(PARIS, basemap=BASEMAP, width=600, height=400)
    noted = render_png(PARIS, basemap=BASEMAP, width=600, height=400, notes=NOTES)
    assert noted[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(noted) > len(bare) + 1000
