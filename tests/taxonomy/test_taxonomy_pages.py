"""Actors and vectors pages: editors only, every field validated."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Actor, Vector
from app.incidents.schema import ValidationError
from app.taxonomy import service


@pytest.mark.parametrize("values, message", [
    ({"slug": "Bad Slug", "label_en": "x", "label_fr": "x", "color": "#aabbcc",
      "symbol": "x"}, "lower-case"),
    ({"slug": "cyber", "label_en": "x", "label_fr": "x", "color": "#aabbcc",
      "symbol": "x"}, "already taken"),
    ({"slug": "none", "label_en": "x", "label_fr": "x", "color": "#aabbcc",
      "symbol": "x"}, "reserved for incidents with no vector"),
    ({"slug": "new", "label_en": "", "label_fr": "x", "color": "#aabbcc", "symbol": "x"},
     "label_en: is required"),
    ({"slug": "new", "label_en": "x", "label_fr": "x", "color": "red", "symbol": "x"},
     "is not a colour"),
    ({"slug": "new", "label_en": "x", "label_fr": "x", "color": "#abc", "symbol": "x"},
     "is not a colour"),
    ({"slug": "new", "label_en": "x", "label_fr": "x", "color": "#aabbcc", "symbol": ""},
     "symbol: is required"),
])
def test_vector_validation(app, values, message):
    with pytest.raises(ValidationError, match=message):
        service.save_vector(None, values)
    assert db.session.scalar(sa.select(Vector).where(Vector.slug == "new")) is None


@pytest.mark.parametrize("values, message", [
    ({"name": "", "type": "state"}, "name: is required"),
    ({"name": "X", "type": "alien"}, "is not one of"),
    ({"name": "X", "type": "state", "sponsor_country": "ZZZ"}, "unknown country ZZZ"),
])
def test_actor_validation(app, values, message):
    with pytest.raises(ValidationError, match=message):
        service.save_actor(None, values)


@pytest.fixture
def forget_new_vectors(app):
    """``vectors`` is reference data, kept between PostGIS tests: remove what we add."""
    yield
    db.session.rollback()
    db.session.execute(sa.delete(Vector).where(Vector.slug == "elections"))
    db.session.commit()


def test_editor_adds_an_actor_and_a_vector(app, client, auth, make_user, forget_new_vectors):
    auth.login(make_user("editor").email)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/taxonomy/actors", data={
        "name": "APT Example", "type": "state-affiliated", "aliases": "Fancy; Example Bear",
        "sponsor_country": "rus"}).status_code == 302
    actor = db.session.scalar(sa.select(Actor).where(Actor.name == "APT Example"))
    assert actor.aliases == ["Fancy", "Example Bear"] and actor.sponsor_country == "RUS"
    assert client.post("/taxonomy/vectors", data={
        "slug": "elections", "label_en": "Elections", "label_fr": "Élections",
        "color": "#AA0011", "symbol": "☑"}).status_code == 302
    vector = db.session.scalar(sa.select(Vector).where(Vector.slug == "elections"))
    assert (vector.label_fr, vector.color) == ("Élections", "#aa0011")
    bad = client.post(f"/taxonomy/vectors/{vector.id}", data={
        "slug": "elections", "label_en": "E", "label_fr": "É", "color": "blue", "symbol": "x"})
    app.config["WTF_CSRF_ENABLED"] = True
    assert bad.status_code == 400 and b"is not a colour" in bad.data


def test_taxonomy_is_for_editors(app, client, auth, make_user):
    assert client.get("/taxonomy/actors").status_code == 302
    auth.login(make_user("contributor").email)
    assert client.get("/taxonomy/vectors").status_code == 403
