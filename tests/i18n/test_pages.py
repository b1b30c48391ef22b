"""Pages and messages this area localised, read in English and in French."""
import json
import re
from html import unescape

from flask_babel import refresh

NBSP = "\u00a0"


def _get(app, url, **kwargs):
    """GET in a fresh app context (the locale of the previous request stays in ``g``)."""
    with app.app_context():
        return app.test_client().get(url, **kwargs)


def test_incident_page_writes_dates_and_codes_in_the_readers_language(app, make_incident):
    days = make_incident(start_date="2025-04-02", end_date="2025-04-20", confidence=60,
                         attribution="inferred")
    month = make_incident(start_date="2025-03", time_precision="month")
    en = _get(app, f"/incidents/{days.id}?lang=en").get_data(as_text=True)
    fr = _get(app, f"/incidents/{days.id}?lang=fr").get_data(as_text=True)
    assert "2 April 2025 – 20 April 2025" in en and "(precision: day)" in en
    assert "2 avril 2025 – 20 avril 2025" in fr and f"(précision{NBSP}: jour)" in fr
    assert "inferred, confidence 60/100" in en and "déduite" in fr
    assert "2025-04-02" not in re.sub(r'datetime="[^"]*"', "", fr)
    assert ">March 2025<" in _get(app, f"/incidents/{month.id}?lang=en").get_data(as_text=True)
    assert ">mars 2025<" in _get(app, f"/incidents/{month.id}?lang=fr").get_data(as_text=True)


def test_filter_errors_on_pages_speak_the_readers_language(app):
    en = _get(app, "/barometer?from=someday&lang=en")
    fr = _get(app, "/barometer?from=someday&lang=fr")
    assert en.status_code == fr.status_code == 400
    assert "400 Bad Request" in en.get_data(as_text=True)
    assert "from: &#39;someday&#39; is not a date" in en.get_data(as_text=True)
    text = unescape(fr.get_data(as_text=True))
    assert "400 Requête incorrecte" in text
    assert f"from{NBSP}: «{NBSP}someday{NBSP}» n’est pas une date" in text
    assert "Page introuvable" in _get(app, "/reports/nope?lang=fr").get_data(as_text=True)


def test_api_filter_errors_keep_english_error_and_add_the_localised_message(app):
    fr = _get(app, "/api/v1/incidents?min_confidence=high&lang=fr")
    en = _get(app, "/api/v1/map?vector=<b>", headers={"Accept-Language": "en"})
    assert fr.status_code == en.status_code == 400
    assert fr.get_json() == {
        "error": "min_confidence: expected a whole number from 0 to 100",
        "message": f"min_confidence{NBSP}: un nombre entier de 0 à 100 est attendu"}
    assert en.get_json() == {"error": "vector: '<b>' is not a vector slug",
                             "message": "vector: '<b>' is not a vector slug"}


def _config_labels(html):
    """The ``labels`` the page hands its scripts (embedded in the map config)."""
    start = re.search(r'"labels": ?', html).end()
    return json.JSONDecoder().raw_decode(html, start)[0]


def test_map_and_embed_scripts_get_their_strings_in_the_readers_language(app):
    for url in ("/map", "/embed/map"):
        fr = _config_labels(_get(app, url + "?lang=fr").get_data(as_text=True))
        en = _config_labels(_get(app, url + "?lang=en").get_data(as_text=True))
        assert (en["legend"], fr["legend"]) == ("Legend", "Légende")
        assert fr["fullScreen"] == "Plein écran" and fr["noVector"] == "Aucun vecteur"
        assert fr["frozenCluster"] == "Ouvrir la carte complète pour les voir un par un"


def test_embed_names_vectors_in_the_readers_language(app):
    html = _get(app, "/embed/map?lang=fr").get_data(as_text=True)
    vectors = {v["slug"]: v["label"] for v in json.loads(
        re.search(r'"vectors": ?(\[.*?\])', html)[1])}
    assert vectors["information"] == "Manipulation de l'information"


def test_editor_page_hands_its_script_french_labels(client, auth, make_user):
    auth.login(make_user("contributor").email)
    refresh()  # the login request chose English in this test's shared app context
    html = client.get("/incidents/new?lang=fr").get_data(as_text=True)
    labels = json.loads(unescape(re.search(r"data-labels='([^']*)'", html)[1]))
    assert labels["previewUnavailable"] == "Aperçu indisponible"


def test_sign_in_form_labels_in_both_languages(app):
    assert ">Password<" in _get(app, "/login?lang=en").get_data(as_text=True)
    assert ">Mot de passe<" in _get(app, "/login?lang=fr").get_data(as_text=True)
