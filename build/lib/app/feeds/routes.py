"""``/feeds/incidents.atom``: an Atom feed of newly published incidents."""
from flask import Response, url_for
from flask_babel import get_locale, gettext as _

from app.auth.models import utcnow
from app.feeds import bp, service
from app.feeds.atom import atom_feed
from app.incidents.filters import url_args
from app.main.routes import parse_request_filters


def _entry(incident):
    url = url_for("incidents.show", incident_id=incident.id, _external=True)
    return {"id": f"urn:uuid:{incident.uuid}", "title": incident.title, "url": url,
            "published": incident.published_at, "updated": incident.updated_at,
            "summary": incident.summary or incident.title,
            "categories": [v.slug for v in incident.vectors]
            + [c.iso_a3 for c in incident.countries]}


@bp.route("/feeds/incidents.atom")
def incidents_atom():
    """New published incidents for the shared filters (country, actor, vector…)."""
    filters = parse_request_filters()
    incidents = service.newest_published(filters)
    # to_query is canonical (sorted), so the same filters always give the same feed id.
    self_url = url_for("feeds.incidents_atom", _external=True, **url_args(filters))
    body = atom_feed(
        feed_id=self_url, title=_("Hybrid Threat Atlas: new incidents"), self_url=self_url,
        alternate_url=url_for("main.map_page", _external=True, **url_args(filters)),
        updated=max((i.published_at for i in incidents), default=utcnow()),
        entries=[_entry(i) for i in incidents], lang=str(get_locale()))
    return Response(body, mimetype="application/atom+xml")
