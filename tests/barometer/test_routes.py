"""The barometer page and its downloads, in English and French."""
import csv
import io
import re

from tests.barometer.test_service import DEU_POINT, FRA_POINT


def _data(make_incident):
    make_incident(start_date="2025-04-02", wkt=FRA_POINT, confidence=80, actor="Actor <A>")
    make_incident(start_date="2025-05-02", wkt=FRA_POINT, confidence=45)
    make_incident(start_date="2025-05-10", wkt=DEU_POINT, confidence=50,
                  vectors=["sabotage"])
    make_incident(start_date="2025-01-10", wkt=FRA_POINT, confidence=50)
    make_incident(start_date="2025-04-03", wkt=DEU_POINT, confidence=100, status="draft")


def test_page_shows_formula_figures_trends_map_and_downloads(client, make_incident):
    _data(make_incident)
    html = client.get("/barometer?lang=en").get_data(as_text=True)
    assert "Barometer of foreign interference" in html
    assert "Σ confidence / 100" in html
    assert "Quarter 2025-Q2" in html
    assert 'data-iso="FRA"' in html and "<svg" in html
    assert "1.25" in html          # FRA index (80 + 45) / 100
    assert "+150.0 %" in html      # vs 0.5 in Q1
    assert "Actor &lt;A&gt;" in html and "Actor <A>" not in html
    assert "/barometer.csv?" in html and "/barometer.json" in html
    assert 'type="application/atom+xml"' in html


def test_page_in_french_formats_numbers_and_labels(client, make_incident):
    _data(make_incident)
    html = client.get("/barometer?lang=fr").get_data(as_text=True)
    assert "Baromètre des ingérences étrangères" in html
    assert "1,25" in html and "+150,0 %" in html
    assert "Allemagne" in html and "Sabotage" in html
    assert '<html lang="fr" data-locale="fr-FR">' in html


def test_quarters_read_t2_2025_in_french_and_keep_their_keys(app, client, make_incident):
    _data(make_incident)
    html = client.get("/barometer?lang=fr").get_data(as_text=True)
    assert "Trimestre T2 2025" in html and "Indice par pays, T2 2025" in html
    assert '<option value="2025-Q2" selected>T2 2025</option>' in html
    assert '<th scope="row">T1 2025</th>' in html  # the series chart
    assert "2025-Q" not in re.sub(r"<[^>]*>", " ", html)  # only in URLs and values
    assert "/barometer.csv?" in html and "quarter=2025-Q2" in html
    with app.app_context():  # the locale of this request only
        english = app.test_client().get("/barometer?lang=en").get_data(as_text=True)
    assert "Quarter 2025-Q2" in english and '<th scope="row">2025-Q1</th>' in english
    download = client.get("/barometer.csv?figure=series&lang=fr")
    assert "barometer-2025-Q2-series.csv" in download.headers["Content-Disposition"]
    assert "2025-Q1" in download.get_data(as_text=True)
    assert client.get("/barometer.json?lang=fr").get_json()["quarter"] == "2025-Q2"


def test_csv_and_json_downloads_hold_the_figures_shown(client, make_incident):
    _data(make_incident)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/barometer.csv?figure=countries").get_data(as_text=True))))
    assert [(r["iso_a3"], r["incidents"], r["index"], r["trend_previous_pct"])
            for r in rows] == [("FRA", "2", "1.25", "150.0"), ("DEU", "1", "0.5", "")]
    doc = client.get("/barometer.json?quarter=2025-Q1").get_json()
    assert doc["quarter"] == "2025-Q1"
    assert doc["countries"] == [{"quarter": "2025-Q1", "iso_a3": "FRA", "incidents": 1,
                                 "index": 0.5, "trend_previous_pct": None,
                                 "trend_year_before_pct": None}]
    assert "confidence" in doc["formula"]
    vectors = client.get("/barometer.csv?figure=vectors_by_country&vector=sabotage")
    assert vectors.get_data(as_text=True).splitlines()[1:] == ["2025-Q2,DEU,sabotage,1"]


def test_bad_parameters_get_clear_400s(client):
    assert b"YYYY-Qn" in client.get("/barometer?quarter=2025-Q9").data
    assert client.get("/barometer.csv?figure=nope").status_code == 400
    assert client.get("/barometer?min_confidence=300").status_code == 400


def test_empty_barometer_says_so(client):
    html = client.get("/barometer").get_data(as_text=True)
    assert "No published incident matches these filters." in html
    assert client.get("/barometer.csv").status_code == 404
