"""Quarterly reports: which quarters have one, their figures, sections and picks.

A report exists for every *past* quarter holding at least one published
incident. Editors write its narrative sections (each save is a revision;
a stale ``version`` raises ``ConflictError``) and pick incidents to feature.
"""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from app.barometer import index as idx
from app.barometer.models import (SECTION_SLUGS, ReportPick, ReportSection,
                                  ReportSectionRevision)
from app.barometer.service import barometer, quarter_series
from app.extensions import db
from app.incidents.filters import IncidentFilters
from app.incidents.models import Incident
from app.incidents.service import PermissionDenied
from app.messages import N_


class SectionConflict(Exception):
    """The section changed since the version the editor started from."""

    def __init__(self, section, expected_version):
        self.section = section
        super().__init__(_("This section is at version %(now)s, not %(then)s: someone "
                           "else saved it first. Reload to see their text.",
                           now=section.version, then=expected_version))


def report_figures(quarter, *, today=None):
    """The barometer of ``quarter``, or ``NotFound`` if it has no report (yet)."""
    label = idx.quarter_label(quarter)
    if idx.quarter_bounds(quarter)[1] >= (today or date.today()):
        raise NotFound(_("The report for %(quarter)s will exist once the quarter is over.",
                         quarter=label))
    b = barometer(IncidentFilters(), quarter)
    if not b.countries or b.quarter != quarter:
        raise NotFound(_("No report for %(quarter)s: no published incident started in it.",
                         quarter=label))
    return b


def sections(quarter, *, include_drafts):
    """``{slug: ReportSection}`` of a report; drafts only when ``include_drafts``."""
    stmt = sa.select(ReportSection).where(ReportSection.quarter == idx.quarter_label(quarter))
    if not include_drafts:
        stmt = stmt.where(ReportSection.status == "published")
    return {s.slug: s for s in db.session.scalars(stmt)}


def save_section(*, quarter, slug, title, body, publish, expected_version, editor):
    """Create or update a section as ``editor``; write a revision; commit."""
    if editor is None or not editor.is_editor:
        raise PermissionDenied(N_("Only editors write reports."))
    if slug not in SECTION_SLUGS:
        raise NotFound(f"No section {slug!r}.")
    label = idx.quarter_label(quarter)
    section = db.session.scalar(sa.select(ReportSection).where(
        ReportSection.quarter == label, ReportSection.slug == slug))
    if section is None:
        section = ReportSection(quarter=label, slug=slug, version=0)
        db.session.add(section)
    elif expected_version != section.version:
        raise SectionConflict(section, expected_version)
    section.title, section.body = title.strip(), body.strip()
    section.status = "published" if publish else "draft"
    section.version += 1
    section.updated_by_id = editor.id
    section.revisions.append(ReportSectionRevision(
        number=section.version, author_id=editor.id, title=section.title,
        body=section.body, status=section.status))
    db.session.commit()
    return section


def picked_incidents(quarter):
    """The published incidents editors picked for the report, in their order."""
    stmt = (sa.select(Incident).join(ReportPick, ReportPick.incident_id == Incident.id)
            .where(ReportPick.quarter == idx.quarter_label(quarter),
                   Incident.status == "published").order_by(ReportPick.position))
    return list(db.session.scalars(stmt))


def set_picks(*, quarter, incident_ids, editor):
    """Replace the picked incidents; every id must be a published incident."""
    if editor is None or not editor.is_editor:
        raise PermissionDenied(N_("Only editors pick incidents."))
    found = set(db.session.scalars(sa.select(Incident.id).where(
        Incident.id.in_(incident_ids), Incident.status == "published")))
    missing = [i for i in incident_ids if i not in found]
    if missing:
        raise ValueError(_("These are not published incidents: %(ids)s",
                           ids=", ".join(map(str, missing))))
    label = idx.quarter_label(quarter)
    db.session.execute(sa.delete(ReportPick).where(ReportPick.quarter == label))
    for position, incident_id in enumerate(dict.fromkeys(incident_ids)):
        db.session.add(ReportPick(quarter=label, incident_id=incident_id, position=position))
    db.session.commit()


def report_quarters(*, today=None):
    """Every past quarter with published incidents, newest first (each has a report)."""
    today = today or date.today()
    series = quarter_series(IncidentFilters())
    return [q for q, _n, _i in reversed(series) if idx.quarter_bounds(q)[1] < today]
