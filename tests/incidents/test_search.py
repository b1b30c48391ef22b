"""One query module answers "incidents in this bbox with these filters" on both databases."""
from werkzeug.datastructures import MultiDict

from app.incidents.filters import parse_filters
from app.incidents.search import count_incidents, find_incidents


def _ids(filters, viewer=None, **kw):
    return sorted(i.id for i in find_incidents(parse_filters(MultiDict(filters)), viewer,
                                               limit=100, **kw))


def test_bbox_is_exact_not_just_bounding_boxes(app, make_incident):
    paris = make_incident(title="Paris", wkt="POINT (2.35 48.86)")
    diagonal = make_incident(title="Diagonal", wkt="LINESTRING (0 0, 10 10)")
    # This box meets the diagonal's bounding box but not the line itself.
    assert _ids({"bbox": "6,0,10,3"}) == []
    assert _ids({"bbox": "0,0,3,3"}) == [diagonal.id]
    assert _ids({"bbox": "2,48,3,49"}) == [paris.id]
    assert _ids({"bbox": "-10,-10,20,60"}) == sorted([paris.id, diagonal.id])


def test_bbox_across_the_antimeridian(app, make_incident):
    fiji = make_incident(title="Fiji", wkt="POINT (178.4 -18.1)")
    samoa = make_incident(title="Samoa", wkt="POINT (-171.8 -13.8)")
    make_incident(title="Paris", wkt="POINT (2.35 48.86)")
    assert _ids({"bbox": "170,-30,-165,0"}) == sorted([fiji.id, samoa.id])


def test_filters_combine(app, make_incident):
    a = make_incident(title="Cable cut near Gotland", wkt="POINT (18.3 57.5)",
                      vectors=["sabotage"], actor="Baltic Fleet", confidence=90,
                      start_date="2024-03-01", end_date="2024-06-30")
    b = make_incident(title="DDoS", wkt="POINT (2.35 48.86)", vectors=["cyber"],
                      actor="Crew", confidence=30, start_date="2023-01-05")
    assert _ids({"vector": "sabotage"}) == [a.id]
    assert _ids({"country": "FRA"}) == [b.id]
    assert _ids({"actor": "baltic fleet"}) == [a.id]
    assert _ids({"actor": str(b.actor_id)}) == [b.id]
    assert _ids({"min_confidence": "50"}) == [a.id]
    assert _ids({"q": "gotland"}) == [a.id]
    assert _ids({"q": "%"}) == []  # LIKE wildcards are literal
    # Intervals: an incident from March to June is in April.
    assert _ids({"from": "2024-04", "to": "2024-04"}) == [a.id]
    assert _ids({"from": "2024-07"}) == []
    assert count_incidents(parse_filters(MultiDict({"vector": "cyber,sabotage"})), None) == 2


def test_drafts_are_found_only_for_author_and_editors(app, make_incident, make_user):
    author = make_user("contributor")
    other = make_user("contributor")
    editor = make_user("editor")
    draft = make_incident(title="Draft", status="draft", author=author)
    public = make_incident(title="Public")
    every = ("draft", "submitted", "published", "rejected")
    assert _ids({}, None, default_statuses=every) == [public.id]
    assert _ids({}, other, default_statuses=every) == [public.id]
    assert _ids({}, author, default_statuses=every) == sorted([draft.id, public.id])
    assert _ids({}, editor, default_statuses=every) == sorted([draft.id, public.id])
    # Asking for drafts explicitly does not get round the rule.
    assert _ids({"status": "draft"}, None) == []


def test_paging_by_cursor_is_stable(app, make_incident):
    ids = [make_incident(title=f"I{i}", wkt=f"POINT ({i} 45)").id for i in range(5)]
    filters = parse_filters(MultiDict({"bbox": "-1,40,10,50"}))
    first = find_incidents(filters, None, limit=2)
    second = find_incidents(filters, None, limit=2, after_id=first[-1].id)
    third = find_incidents(filters, None, limit=2, after_id=second[-1].id)
    assert [i.id for i in first + second + third] == ids
