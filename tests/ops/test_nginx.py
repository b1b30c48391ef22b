"""The deployment of docs/deploy.md, run for real: Debian's nginx with a self-signed
certificate in front of two gunicorn instances of the app, sharing one fresh
PostgreSQL+PostGIS database and one Redis (its own database number).

nginx runs ``deploy/nginx/atlas.conf`` and ``atlas-proxy.inc`` as committed, with
only ports and paths substituted. Needs nginx, openssl, PostgreSQL+PostGIS
(``ATLAS_TEST_POSTGRES``) and Redis on 127.0.0.1:6379 (``ATLAS_TEST_REDIS``); each
missing one skips with the reason, or fails under CI=true (``.ci/run`` installs them).
"""
import os
import pwd
import re
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PASSWORD, PG_ADMIN_URL, unavailable
from tests.ops.liveproc import ROOT, GunicornServer, flask_cli, free_port, prepare_database

REDIS_URL = os.environ.get("ATLAS_TEST_REDIS", "redis://127.0.0.1:6379") + "/11"
EDITOR = "editor@stack.test"
EMBED_HOST = "news.example.org"
THROTTLE = 5  # wrong-token API requests per client and minute, shared by the instances
# A lonely spot in the South Pacific: nothing else of the test database is near it.
SPOT = (-140.123, -40.456)
FEATURE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(SPOT)},
           "properties": {"title": "Published through one instance",
                          "start_date": "2025-04-01", "vectors": ["information"],
                          "confidence": 60,
                          "sources": [{"url": "https://example.org/x", "publisher": "X"}]}}


def _need(condition, reason):
    if not condition:
        unavailable(reason)


def _database(name):
    """``PG_ADMIN_URL`` pointing at database ``name``."""
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(sql):
    import psycopg2
    conn = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _self_signed(directory):
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def render_nginx(directory, *, https_port, http_port, upstreams, cert, key):
    """The committed configuration with this test's ports and paths, plus a main file."""
    conf = (ROOT / "deploy" / "nginx" / "atlas.conf").read_text()
    proxy = directory / "atlas-proxy.inc"
    shutil.copy(ROOT / "deploy" / "nginx" / "atlas-proxy.inc", proxy)
    replacements = [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("127.0.0.1:5000 ", f"{upstreams[0]} "), ("127.0.0.1:5001 ", f"{upstreams[1]} "),
        ("/etc/ssl/atlas/fullchain.pem", str(cert)), ("/etc/ssl/atlas/privkey.pem", str(key)),
        ("/srv/atlas/", f"{ROOT}/"), ("/etc/nginx/atlas-proxy.inc", str(proxy)),
    ]
    for old, new in replacements:
        assert old in conf, f"deploy/nginx/atlas.conf no longer has {old!r}"
        conf = conf.replace(old, new)
    # The test machine may have no IPv6: drop those listen lines only.
    conf = "\n".join(line for line in conf.splitlines() if "listen [::]" not in line)
    (directory / "atlas.conf").write_text(conf)
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    # Workers run as this user (the directive counts only when nginx starts as root,
    # whose default worker user could not read a checkout in a private directory).
    (directory / "nginx.conf").write_text(f"""
user {pwd.getpwuid(os.getuid()).pw_name};
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory}/access.log;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {directory}/atlas.conf;
}}
""")
    return directory / "nginx.conf"


class Stack:
    """Two app instances on one database and one Redis, nginx in front."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.db_name = f"atlas_stack_{uuid.uuid4().hex[:10]}"
        self.db_url = _database(self.db_name)
        self.cert, key = _self_signed(tmp)
        self.servers, self.nginx = [], None
        self.env = dict(ATLAS_TRUSTED_PROXIES=1, RATELIMIT_STORAGE_URI=REDIS_URL,
                        ATLAS_TOKEN_THROTTLE=f"{THROTTLE} per minute",
                        ATLAS_SECURE_COOKIES=1, ATLAS_METRICS=1,
                        ATLAS_MAP_SAVED_DIR=str(tmp / "map-index"))
        _admin(f"CREATE DATABASE {self.db_name}")
        prepare_database(self.db_url)
        flask_cli(self.db_url, "user", "create", EDITOR, "--role", "editor",
                  ATLAS_PASSWORD=PASSWORD)
        self.token = flask_cli(self.db_url, "token", "create", EDITOR).stdout.strip()
        for n in range(2):
            self.servers.append(GunicornServer(self.db_url, workers=2,
                                               log_path=tmp / f"app{n}.log", **self.env))
        self.https_port, self.http_port = free_port(), free_port()
        conf = render_nginx(tmp, https_port=self.https_port, http_port=self.http_port,
                            upstreams=[s.url[len("http://"):] for s in self.servers],
                            cert=self.cert, key=key)
        self.nginx = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(conf)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"https://127.0.0.1:{self.https_port}"
        self._wait_for_nginx()

    def _wait_for_nginx(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                raise RuntimeError("nginx exited: " + self.nginx.stderr.read().decode())
            try:
                if self.get("/healthz").status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("nginx did not answer in time")

    def get(self, path, session=requests, **kwargs):
        """GET through nginx over HTTPS (the self-signed certificate is trusted)."""
        return session.get(self.url + path, verify=str(self.cert), timeout=30, **kwargs)

    def close(self):
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(10)
        for server in self.servers:
            server.stop()
        _admin(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    _need(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"), "nginx is not installed")
    _need(shutil.which("openssl"), "openssl is not installed")
    try:
        _admin("SELECT 1")
    except Exception as exc:  # noqa: BLE001 — any failure means "no PostgreSQL here"
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    try:
        import redis
        store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        store.flushdb()
    except Exception as exc:  # noqa: BLE001 — any failure means "no Redis here"
        unavailable(f"Redis not reachable at {REDIS_URL}: {str(exc).splitlines()[0]}")
    os.environ.setdefault("PATH", "")
    os.environ["PATH"] += os.pathsep + "/usr/sbin"
    built = Stack(tmp_path_factory.mktemp("stack"))
    try:
        yield built
    finally:
        built.close()
        store.flushdb()
        store.close()


@pytest.fixture(autouse=True)
def fresh_limits(stack):
    """Each test starts with no rate-limit counts (the shared Redis database emptied)."""
    import redis
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    store.close()


def _signed_in(stack):
    """A requests session signed in as the editor through nginx (CSRF token and all)."""
    session = requests.Session()
    page = stack.get("/login", session)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
    assert token, "no CSRF token on the sign-in page"
    # Over HTTPS Flask-WTF also checks that the Referer is this site, as browsers send it.
    session.headers["Referer"] = stack.url + "/login"
    response = session.post(stack.url + "/login", verify=str(stack.cert), timeout=30,
                            allow_redirects=False,
                            data={"email": EDITOR, "password": PASSWORD,
                                  "csrf_token": token.group(1)})
    assert response.status_code == 302, response.status_code
    return session


def _cookie_header(session):
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


# --- one proxy ---------------------------------------------------------------------

def test_https_detected_hsts_and_healthz(stack):
    health = stack.get("/healthz")
    assert health.status_code == 200 and "postgresql" in health.text
    page = stack.get("/map")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in page.headers.get("Set-Cookie", "Secure")
    plain = requests.get(f"http://127.0.0.1:{stack.http_port}/map", allow_redirects=False,
                         timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    # The app itself, reached without the proxy over plain HTTP, sends no HSTS.
    direct = requests.get(stack.servers[0].url + "/map", timeout=30)
    assert "Strict-Transport-Security" not in direct.headers


def test_static_files_compressed_with_a_long_cache(stack):
    page = stack.get("/map").text
    script = re.search(r'src="(/static/js/atlas-map\.js\?v=[0-9a-f]+)"', page)
    assert script, "the map page links no versioned atlas-map.js"
    response = stack.get(script.group(1), headers={"Accept-Encoding": "gzip"}, stream=True)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["Vary"] == "Accept-Encoding"
    body = response.raw.read(decode_content=True)
    assert body == (ROOT / "app" / "static" / "js" / "atlas-map.js").read_bytes()
    # Pages are not compressed (BREACH: CSRF tokens beside what readers typed).
    html = stack.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in html.headers


def test_rate_limits_count_the_client_address_from_the_proxy(stack):
    """nginx sets X-Forwarded-For to the real client: a forged one changes nothing."""
    wrong = {"Authorization": "Bearer not-a-token"}
    codes = [stack.get("/api/v1/incidents", headers={
        **wrong, "X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(THROTTLE + 1)]
    assert codes == [401] * THROTTLE + [429]


def test_embed_framing_headers_pass_through(stack):
    session = _signed_in(stack)
    form = stack.get("/embeds/new", session).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    created = session.post(stack.url + "/embeds/new", verify=str(stack.cert), timeout=30,
                           data={"title": "Framed", "caption": "", "filters": "",
                                 "layers": ["actor", "vector"], "fit_to_data": "y",
                                 "legend_position": "below", "allowed_hosts": EMBED_HOST,
                                 "csrf_token": token})
    assert created.status_code == 200, created.status_code
    key = re.search(r"/embed/([A-Za-z0-9_-]+)", created.text).group(1)
    embed = stack.get(f"/embed/{key}")
    assert embed.status_code == 200
    assert f"frame-ancestors {EMBED_HOST}" in embed.headers["Content-Security-Policy"] or \
        EMBED_HOST in embed.headers["Content-Security-Policy"].split("frame-ancestors")[1]
    assert "X-Frame-Options" not in embed.headers
    page = stack.get("/map")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_metrics_never_through_the_proxy_and_summed_over_workers(stack):
    assert stack.get("/metrics").status_code == 404
    direct = stack.servers[0].url

    def healthz_count():
        text = requests.get(direct + "/metrics", timeout=30).text
        return sum(sample.value for family in text_string_to_metric_families(text)
                   for sample in family.samples
                   if sample.name == "atlas_http_requests_total"
                   and sample.labels.get("route") == "/healthz")
    before = healthz_count()
    for _ in range(20):
        assert requests.get(direct + "/healthz", timeout=30).status_code == 200
    assert healthz_count() - before == 20


# --- two instances -------------------------------------------------------------------

def test_sessions_and_csrf_work_on_both_instances(stack):
    session = _signed_in(stack)
    cookie = {"Cookie": _cookie_header(session)}
    for server in stack.servers:
        signed_in = requests.get(server.url + "/account/password", headers=cookie,
                                 allow_redirects=False, timeout=30)
        assert signed_in.status_code == 200, server.url
        anonymous = requests.get(server.url + "/account/password", allow_redirects=False,
                                 timeout=30)
        assert anonymous.status_code == 302


def test_api_token_works_on_both_instances(stack):
    auth = {"Authorization": f"Bearer {stack.token}"}
    first, second = (server.url for server in stack.servers)
    created = requests.post(first + "/api/v1/incidents", json={
        **FEATURE, "properties": {**FEATURE["properties"], "title": "Draft via one"}},
        headers=auth, timeout=30)
    assert created.status_code == 201, created.text
    url = f"/api/v1/incidents/{created.json()['id']}"
    assert requests.get(second + url, headers=auth, timeout=30).status_code == 200
    assert requests.get(second + url, timeout=30).status_code == 404  # a draft


def test_rate_limits_counted_once_across_instances(stack):
    wrong = {"Authorization": "Bearer still-not-a-token", "X-Forwarded-For": "198.51.100.77"}
    codes = [requests.get(stack.servers[n % 2].url + "/api/v1/incidents", headers=wrong,
                          timeout=30).status_code for n in range(THROTTLE + 2)]
    assert codes == [401] * THROTTLE + [429, 429]


def _map_total(base):
    west, south = SPOT[0] - 0.5, SPOT[1] - 0.5
    query = f"/api/v1/map?bbox={west},{south},{west + 1},{south + 1}&zoom=9"
    response = requests.get(base + query, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_publish_through_one_instance_shows_on_the_others_map(stack):
    auth = {"Authorization": f"Bearer {stack.token}"}
    first, second = (server.url for server in stack.servers)
    before = _map_total(second)
    feature = requests.post(first + "/api/v1/incidents", json=FEATURE, headers=auth,
                            timeout=30).json()
    url = f"{first}/api/v1/incidents/{feature['id']}"
    version = feature["properties"]["version"]
    submitted = requests.patch(url, json={"status": "submitted", "version": version},
                               headers=auth, timeout=30).json()
    published = requests.patch(url, json={"status": "published",
                                          "version": submitted["properties"]["version"]},
                               headers=auth, timeout=30)
    assert published.json()["properties"]["status"] == "published"
    started = time.monotonic()
    while _map_total(second) != before + 1:
        assert time.monotonic() - started < 2.0, "not on the other instance's map in 2 s"
        time.sleep(0.05)


def _checksums(url):
    """``{table: md5 of every row}`` of the database at ``url`` (public schema)."""
    import psycopg2
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'spatial_ref_sys' ORDER BY tablename")
            tables = [row[0] for row in cur.fetchall()]
            sums = {}
            for table in tables:
                cur.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' '
                            f'ORDER BY t::text), \'\')) FROM "{table}" t')
                sums[table] = cur.fetchone()
            return sums
    finally:
        conn.close()


def test_backup_while_both_serve_restores_identically(stack, tmp_path):
    stop = threading.Event()
    served = []

    def readers():
        with requests.Session() as session:
            while not stop.is_set():
                for server in stack.servers:
                    served.append(session.get(server.url + "/api/v1/map?bbox=-20,30,40,70"
                                              "&zoom=4", timeout=30).status_code)
                served.append(stack.get("/api/v1/incidents", session).status_code)
    thread = threading.Thread(target=readers)
    thread.start()
    try:
        dump = tmp_path / "atlas.dump"
        flask_cli(stack.db_url, "db", "backup", str(dump))
    finally:
        stop.set()
        thread.join(60)
    assert served and set(served) == {200}
    restored_name = f"{stack.db_name}_restored"
    _admin(f"CREATE DATABASE {restored_name}")
    try:
        restored = _database(restored_name)
        flask_cli(restored, "db", "restore", str(dump), "--yes")
        original = _checksums(stack.db_url)
        assert "incidents" in original and original["incidents"][0] > 0
        assert _checksums(restored) == original
    finally:
        _admin(f"DROP DATABASE IF EXISTS {restored_name} WITH (FORCE)")
