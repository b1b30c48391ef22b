"""Pure geometry: parsing, validation, country assignment. No Flask imports."""
