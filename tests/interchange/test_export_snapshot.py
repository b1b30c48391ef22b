"""An export is one point in time: writes committed while it streams do not reach it."""
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.filters import parse_filters
from app.interchange import export


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_writes_committed_mid_export_do_not_reach_the_file(app, make_incident, monkeypatch,
                                                           fmt):
    monkeypatch.setattr(export, "BATCH", 2)
    ids = [make_incident(title=f"Before {i}", wkt=f"POINT ({i} 45)").id for i in range(6)]
    db.session.commit()
    chunks = export.stream_text(fmt, parse_filters({}), None)
    head = next(chunks)  # the export has begun: its snapshot is taken
    with db.engine.connect() as other:  # another connection, as another worker would
        other.execute(sa.text("UPDATE incidents SET title = 'After' WHERE id = :id"),
                      {"id": ids[-1]})
        other.execute(sa.text("UPDATE incidents SET status = 'draft' WHERE id = :id"),
                      {"id": ids[-2]})
        other.commit()
    text = head + "".join(chunks)
    assert "After" not in text
    assert all(f"Before {i}" in text for i in range(6))
    if fmt == "geojson":
        assert len(json.loads(text)["features"]) == 6
    # The next export sees the writes.
    later = "".join(export.stream_text(fmt, parse_filters({}), None))
    assert "After" in later and "Before 4" not in later
