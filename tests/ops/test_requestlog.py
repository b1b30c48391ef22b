"""Request ids: echoed, generated, sanitised, and present in JSON log lines."""
import json
import logging

from app.ops.requestlog import JsonFormatter, request_id_from


def test_caller_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
    assert response.headers["X-Request-ID"] == "lb-1234.abc"


def test_request_id_is_generated_when_absent_or_unsafe(client):
    plain = client.get("/healthz").headers["X-Request-ID"]
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" {"level": "admin"}'})
    assert len(plain) == 32 and plain != forged.headers["X-Request-ID"]
    assert "\n" not in forged.headers["X-Request-ID"]


def test_request_id_from_refuses_long_and_odd_values():
    assert request_id_from("a" * 65) != "a" * 65
    assert request_id_from("ok_id-1") == "ok_id-1"


def test_request_log_line_is_json_with_the_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="atlas.request"):
        response = client.get("/healthz", headers={"X-Request-ID": "rid-42"})
    records = [r for r in caplog.records if r.name == "atlas.request"]
    line = json.loads(JsonFormatter().format(records[-1]))
    assert response.status_code == 200
    assert line["request_id"] == "rid-42"
    assert line["path"] == "/healthz" and line["status"] == 200
    assert line["duration_ms"] >= 0
