"""Issue 16's cases against one checkout, as a reader of the running site meets them.

``python scripts/trust_cases.py ROOT`` prints one line per case. Run it on a checkout
from before the trust work (52a7c47) and on this one to see each case fail and then hold
(tests/security holds them for good). Everything goes through the test client on a
fresh SQLite file."""
import re
import sys
import tempfile

root = sys.argv[1]
sys.path.insert(0, root)

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.service import create_token, create_user  # noqa: E402
from app.extensions import db  # noqa: E402
from app.incidents.taxonomy import load_reference_data  # noqa: E402
from config import TestingConfig  # noqa: E402

PASSWORD = "correct horse battery"
tmp = tempfile.mkdtemp()
app = create_app(type("C", (TestingConfig,), {
    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/demo.db", "PROPAGATE_EXCEPTIONS": False}))
ctx = app.app_context()
ctx.push()
upgrade(directory=f"{root}/migrations")
load_reference_data()
editor = create_user(email="ed@example.org", password=PASSWORD, role="editor")
contrib = create_user(email="co@example.org", password=PASSWORD, role="contributor")
reader = create_user(email="rd@example.org", password=PASSWORD, role="reader")
db.session.commit()
ted, tco = create_token(editor), create_token(contrib)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def feature(**props):
    base = {"title": "Bot network", "start_date": "2025-04-01", "vectors": ["information"],
            "actor": "Someone", "confidence": 60,
            "sources": [{"url": "https://example.org/x", "publisher": "X"}]}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
            "properties": {**base, **props}}


client = app.test_client()


def publish(props, token=ted):
    made = client.post("/api/v1/incidents", json=feature(**props), headers=bearer(token))
    if made.status_code != 201:
        return made.status_code, None
    body = made.get_json()
    iid, version = body["id"], body["properties"]["version"]
    for status in ("submitted", "published"):
        r = client.patch(f"/api/v1/incidents/{iid}", json={"status": status, "version": version},
                         headers=bearer(ted))
        version = r.get_json()["properties"]["version"] if r.status_code == 200 else version
    return 201, iid


def case(name, run):
    try:
        print(f"{name}: {run()}")
    except Exception as exc:  # noqa: BLE001
        print(f"{name}: exception {type(exc).__name__}: {str(exc)[:80]}")


def refused_patch():
    made = client.post("/api/v1/incidents", json=feature(title="Draft"), headers=bearer(tco))
    iid, version = made.get_json()["id"], made.get_json()["properties"]["version"]
    r = client.patch(f"/api/v1/incidents/{iid}", headers=bearer(tco),
                     json={"title": "Changed", "status": "published", "version": version})
    after = client.get(f"/api/v1/incidents/{iid}", headers=bearer(tco)).get_json()["properties"]
    return (f"PATCH {r.status_code}; title now {after['title']!r}, version "
            f"{version} -> {after['version']}")


def far_future():
    code, iid = publish({"title": "Far", "start_date": "9999-12-31", "end_date": "9999-12-31"})
    return (f"create {code}; /barometer {client.get('/barometer').status_code}, /reports "
            f"{client.get('/reports').status_code}, /reports/9999-Q4 "
            f"{client.get('/reports/9999-Q4').status_code}")


def control_chars():
    code, _ = publish({"title": "Bad\x01title\x0b"})
    atom = client.get("/feeds/incidents.atom").get_data()
    import xml.etree.ElementTree as ET
    try:
        ET.fromstring(atom)
        valid = "valid XML"
    except ET.ParseError:
        valid = "INVALID XML"
    return f"create {code}; Atom feed {valid}"


def formula():
    publish({"title": "Formula", "actor": "=HYPERLINK(\"http://x\")"})
    import csv
    import io
    text = client.get("/barometer.csv?figure=actors").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row if "HYPERLINK" in c]
    if not cells:
        return f"no actor row: {text[:60]!r}"
    return "raw formula cell " + repr(cells[0]) if cells[0].startswith("=") else (
        "neutralised: " + repr(cells[0]))


def superscripts():
    return ", ".join(f"{p} {client.get(p).status_code}" for p in (
        "/api/v1/incidents?limit=²", "/api/v1/map?bbox=-10,30,40,60&zoom=²"))


def if_match_star():
    _, iid = publish({"title": "To delete"})
    r = client.delete(f"/api/v1/incidents/{iid}", headers={**bearer(ted), "If-Match": "*"})
    return f"DELETE If-Match: * -> {r.status_code}"


def login(c, email, password):
    got = c.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', got.get_data(as_text=True))
    if token is None:
        return got
    token = token[1]
    return c.post("/login", data={"email": email, "password": password, "csrf_token": token})


def history_leak():
    made = client.post("/api/v1/incidents", json=feature(title="Secret draft text"),
                       headers=bearer(tco))
    iid, v = made.get_json()["id"], made.get_json()["properties"]["version"]
    v = client.patch(f"/api/v1/incidents/{iid}", json={"status": "submitted", "version": v},
                     headers=bearer(tco)).get_json()["properties"]["version"]
    v = client.patch(f"/api/v1/incidents/{iid}", json={"title": "Public title", "version": v},
                     headers=bearer(ted)).get_json()["properties"]["version"]
    client.patch(f"/api/v1/incidents/{iid}", json={"status": "published", "version": v},
                 headers=bearer(ted))
    c = app.test_client()
    login(c, "rd@example.org", PASSWORD)
    page = c.get(f"/incidents/{iid}/history").get_data(as_text=True)
    leaks = [w for w in ("Secret draft text", "ed@example.org", "co@example.org") if w in page]
    return f"reader sees {leaks}" if leaks else "reader sees no draft text, no email"


for name, run in (("formula in barometer CSV", formula), ("refused PATCH", refused_patch),
                  ("date 9999-12-31", far_future), ("C0 controls in a title", control_chars),
                  ("superscript digits", superscripts), ("If-Match: *", if_match_star),
                  ("history as a reader", history_leak)):
    case(name, run)
