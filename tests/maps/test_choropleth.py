"""The static choropleth: colours by class, escapes names, stays in its view."""
import xml.etree.ElementTree as ET

from app.maps.choropleth import NO_DATA, PALETTE, choropleth_svg, class_breaks, fill_for

SVG = "{http://www.w3.org/2000/svg}"


def test_classes_and_fills():
    breaks = class_breaks([1.0, 5.0])
    assert breaks == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert fill_for(5.0, breaks) == PALETTE[-1]
    assert fill_for(0.5, breaks) == PALETTE[0]
    assert fill_for(None, breaks) == NO_DATA
    assert class_breaks([]) == []


def test_svg_colours_countries_and_escapes_names():
    svg = choropleth_svg({"FRA": 5.0, "DEU": 1.0}, names={"FRA": "<b>France</b>"},
                         title="Index & more")
    root = ET.fromstring(svg)  # well-formed XML, so nothing was pasted raw
    paths = {p.get("data-iso"): p for p in root.iter(SVG + "path")}
    assert paths["FRA"].get("fill") == PALETTE[-1]
    assert paths["DEU"].get("fill") == PALETTE[0]
    assert paths["ESP"].get("fill") == NO_DATA
    assert paths["FRA"].find(SVG + "title").text == "<b>France</b>: 5.0"
    assert "USA" not in paths  # outside the European view
    assert root.get("aria-label") == "Index & more"
