"""Fuzz run: schemathesis against the app's own OpenAPI, with an editor's token.

Every operation of ``/api/v1/openapi.json`` gets generated requests (valid and
invalid bodies, parameters, headers) sent with an editor's Bearer token to a
real app on a real database; the one check is that the server never answers
5xx. (Whether the document matches the answers is another branch's work.)
``ATLAS_FUZZ_EXAMPLES`` sets the examples per operation (default 30).
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

EXAMPLES = int(os.environ.get("ATLAS_FUZZ_EXAMPLES", 30))


@pytest.fixture(params=["sqlite"])
def backend(request):
    """SQLite only: the fuzz run is long, and the parsers it hits are the same code."""
    return request.param


@pytest.fixture
def editor_token(app, make_user, make_incident):
    from app.auth.service import create_token
    editor = make_user("editor")
    make_incident(title="Fuzz target")  # ids 1.. exist, published and draft
    make_incident(title="Draft target", status="draft")
    return create_token(editor)


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_error_for_any_generated_request(app, editor_token):
    app.config.update(ATLAS_API_WRITE_LIMIT="100000 per minute",
                      ATLAS_TOKEN_THROTTLE="100000 per minute",
                      ATLAS_LARGE_PAGE_LIMIT="100000 per minute")
    headers = {"Authorization": f"Bearer {editor_token}"}
    operations = _operations(app)
    assert len(operations) >= 5
    calls = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call(headers=headers)
            calls.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
        fuzz()
    assert calls and max(calls) < 500
    print(f"fuzzed {len(operations)} operations, {len(calls)} requests, statuses "
          f"{sorted(set(calls))}")
