"""Migration 0002 builds exactly the report tables the models describe."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.barometer import models  # noqa: F401  (registers the tables)
from app.extensions import db

REPORT_TABLES = {"report_sections", "report_section_revisions", "report_picks"}


def _ours(diff):
    op = diff[0] if isinstance(diff, list) else diff
    for item in op[1:]:
        table = getattr(item, "table", None)
        name = getattr(table, "name", None) or getattr(item, "name", None) or item
        if name in REPORT_TABLES:
            return True
    return False


@pytest.mark.filterwarnings("ignore:Did not recognize type")
def test_migrated_schema_matches_the_report_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if _ours(d)] == []
    tables = set(db.inspect(db.engine).get_table_names())
    assert REPORT_TABLES <= tables


def test_barometer_covering_index_exists(app):
    indexes = {ix["name"]: ix["column_names"]
               for ix in db.inspect(db.engine).get_indexes("incidents")}
    assert indexes["ix_incidents_barometer"] == ["status", "start_date", "confidence"]
