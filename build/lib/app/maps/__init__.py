"""Maps: folium map building and the locally served (vendored) Leaflet assets."""
