"""Import and export of incidents in interchange formats (CSV now; GeoJSON, GPKG, STIX next)."""
