"""The import page: a dry run's preview, the columns of each format, example files."""
import io
import json
import re

import sqlalchemy as sa

from app.extensions import db
from app.incidents.fields import FIELDS
from app.incidents.models import Incident
from app.interchange import examples
from app.interchange.formats import FORMATS
from app.interchange.importer import PREVIEW, import_stream
from tests.interchange.test_routes import _upload


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Incident))


def _preview_rows(page):
    body = page.split('class="report import-preview"', 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td>(.*?)</td>", row, re.S) for row in body.split("<tr>")[2:]]


def test_dry_run_previews_each_row_as_a_table_and_a_map(client, auth, make_user):
    auth.login(make_user("contributor").email)
    content = ("title,start_date,end_date,actor,vectors,countries,geo_precision,precision_m,wkt\n"
               "<b>Cable</b> cut,2025-01-02,,Some Actor,cyber,,exact,,POINT (2.35 48.86)\n"
               "Border push,2025-02,,,migration,POL;LTU,region,50000,"
               '"LINESTRING (22.93 54.10, 23.97 54.02)"\n').encode()
    response = _upload(client, content, "x.csv", dry_run="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _count() == 0
    rows = _preview_rows(page)
    assert len(rows) == 2
    first, second = rows
    assert first[0] == "2" and first[1] == "&lt;b&gt;Cable&lt;/b&gt; cut"  # text, never markup
    assert first[3] == "Some Actor" and "Cyber" in first[4] and first[5] == "France"
    assert first[6] == "exact" and first[7].startswith("Point at 48.8600, 2.3500")
    assert second[2] == "1 February 2025 – 28 February 2025"  # a month: all of it
    assert second[5] == "Poland, Lithuania" or second[5] == "Lithuania, Poland"
    assert "region-level" in second[6] and "about 50 km" in second[6]
    assert second[7] == "A line"
    located = re.search(r'data-locator="([^"]*)"', page).group(1)
    data = json.loads(located.replace("&#34;", '"').replace("&quot;", '"')
                      .replace("&amp;", "&"))
    assert [loc["geometry"]["type"] for loc in data["all"]] == ["Point", "LineString"]
    assert data["all"][1]["precision_m"] == 50000
    assert "Cable" not in located  # the map gets places, no text a person typed
    assert "/static/js/locator.js" in page


def test_a_real_import_and_a_refused_dry_run_show_no_preview(client, auth, make_user):
    auth.login(make_user("editor").email)
    good = b"title,start_date,wkt\nA,2025-01-02,POINT (2 48)\n"
    assert "import-preview" not in _upload(client, good, "x.csv").get_data(as_text=True)
    bad = b"title,start_date,wkt\n,2025-01-02,POINT (2 48)\n"
    refused = _upload(client, bad, "x.csv", dry_run="y")
    assert refused.status_code == 422
    assert "import-preview" not in refused.get_data(as_text=True)


def test_preview_is_bounded_and_leaves_out_duplicates(app, make_user, make_incident):
    editor = make_user("editor")
    make_incident(title="Stored", start_date="2025-01-02", wkt="POINT (2 48)")
    lines = ["Stored,2025-01-02,POINT (2 48)"] + [
        f"Row {i},2025-01-02,POINT (2 48)" for i in range(PREVIEW + 5)]
    stream = io.BytesIO(("title,start_date,wkt\n" + "\n".join(lines) + "\n").encode())
    result = import_stream(stream, fmt="csv", user=editor, dry_run=True)
    assert result.ok and result.count == PREVIEW + 5
    assert len(result.preview) <= PREVIEW
    assert "Stored" not in [row["title"] for row in result.preview]
    assert result.preview[0]["title"] == "Row 0" and result.preview[0]["position"] == 3
    committed = import_stream(io.BytesIO(b"title,start_date,wkt\nX,2025-01-02,POINT (2 48)\n"),
                              fmt="csv", user=editor)
    assert committed.ok and committed.preview == []


def test_the_page_lists_each_formats_columns_from_the_field_table(client, auth, make_user):
    auth.login(make_user("contributor").email)
    page = client.get("/import").get_data(as_text=True)
    columns = page.split('class="import-columns"', 1)[1].split("</dl>", 1)[0]
    for fmt in FORMATS.values():
        assert f"<dt>{fmt.label}</dt>" in columns
    csv_part = columns.split("<dt>CSV</dt>", 1)[1].split("<dt>", 1)[0]
    csv_names = list(FORMATS["csv"].columns)
    assert re.findall(r"<code>(\w+)</code>", csv_part) == csv_names  # in file order
    # Every field a person may set is listed for GeoJSON (the editor's and API's fields).
    settable = {f.name for f in FIELDS if f.label}
    assert settable <= set(FORMATS["geojson"].columns)
    assert "precision_m" in csv_names and "platforms" in csv_names
    for fmt in examples.EXAMPLE_FORMATS:
        assert f'href="/import/example.{fmt}"' in page


def test_example_files_import_cleanly_with_every_listed_column(client, app, make_user):
    editor = make_user("editor")
    for fmt in examples.EXAMPLE_FORMATS:
        response = client.get(f"/import/example.{fmt}")
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        if fmt == "csv":
            header = response.get_data(as_text=True).splitlines()[0].split(",")
            assert tuple(header) == FORMATS["csv"].columns
        else:
            features = json.loads(response.data)["features"]
            named = set(features[0]["properties"]) | set(features[1]["properties"])
            # A campaign must exist before an import names it: the examples name none.
            assert named | {"geometry"} >= set(FORMATS["geojson"].columns) - {"actor",
                                                                              "campaign"}
        result = import_stream(io.BytesIO(response.data), fmt=fmt, user=editor, dry_run=True)
        assert result.ok, result.report()
        assert result.count == len(examples.EXAMPLES)
        kinds = [row["geo_precision"] for row in result.preview]
        assert kinds == ["exact", "city"]
        assert result.preview[1]["countries"] == ["POL"]  # derived from the geometry
    assert client.get("/import/example.gpkg").status_code == 404
    assert _count() == 0
