"""The favicon is the app's own: SVG and PNG linked from every page, ICO at the root."""
import io

from PIL import Image


def test_favicon_is_served_by_the_app(client):
    page = client.get("/barometer").get_data(as_text=True)
    # Static URLs carry the static folder's digest (?v=…): cached for a year, safely.
    assert 'rel="icon" href="/static/favicon.svg?v=' in page
    assert 'rel="icon" href="/static/favicon.png?v=' in page
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.mimetype == "image/vnd.microsoft.icon"
    assert Image.open(io.BytesIO(ico.get_data())).format == "ICO"
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.get_data()
