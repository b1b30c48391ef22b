"""The OpenAPI document describes the API as it behaves: schemathesis runs it in-process."""
import itertools

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from app.auth.service import create_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 30


def test_api_conforms_to_its_openapi_document(app, make_user, make_incident):
    """Schemathesis, in-process over WSGI: no server error, no response outside the document.

    Every operation gets generated requests (valid and not), writes with a real
    editor token, reads against a published incident and a hidden draft.
    """
    make_incident(title="Readable", sources=[{"url": "https://example.org/a"}])
    make_incident(title="A draft", status="draft")
    token = create_token(make_user("editor"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5

    for operation, mode in itertools.product(operations, GenerationMode):
        @given(case=operation.as_strategy(mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            headers = {"Authorization": f"Bearer {token}"} if case.method != "GET" else None
            case.call_and_validate(headers=headers, checks=CHECKS)
        run()


def test_document_is_openapi_31_and_lists_every_route(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    documented = {("/api/v1" + path.replace("{incident_id}", "<int:incident_id>"), m.upper())
                  for path, item in doc["paths"].items() for m in item if m != "parameters"}
    routed = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if (rule.endpoint.startswith("api.") or rule.endpoint == "signals.api_signals")
              and rule.endpoint != "api.docs"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_docs_page_is_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "GET /incidents/{incident_id}" in text and "If-Match" in text
    assert "https://" not in text.split("<main", 1)[1].split("</main>")[0].replace(
        "https://example", "")
