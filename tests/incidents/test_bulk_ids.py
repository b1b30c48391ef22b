"""Bulk-inserted incidents (demo seed, imports) and API-created ones never share an id."""
from app.demo.seed import seed
from app.incidents import service
from app.incidents.schema import parse_incident


def test_create_after_bulk_insert_gets_a_fresh_id(app, make_user):
    editor = make_user("editor")
    seeded = seed(count=5, seed_value=3, author=editor)
    data = parse_incident({"title": "After the seed", "start_date": "2025-01-01",
                           "wkt": "POINT (2 48)", "vectors": ["cyber"]})
    created = service.create_incident(data=data, author=editor)
    more = seed(count=3, seed_value=4, author=editor)
    ids = list(seeded) + [created.id] + list(more)
    assert len(set(ids)) == 9
    assert created.id > max(seeded) and min(more) > created.id
