"""Hybrid Threat Atlas: the application factory."""
import secrets

from flask import Flask, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import event
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import IntegerConverter

from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.inputs import INT64


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON that answers a too-deeply nested document with a 400, not a 500.

    ``json.loads`` raises ``RecursionError`` on deep nesting; request parsing
    only turns ``ValueError`` into "400 Bad Request".
    """

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON is nested too deeply") from None


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: ASCII digits up to 2⁶³−1, else the route does not match (404).

    Werkzeug's ``\\d+`` also matches non-ASCII digits, and an id past 64 bits
    overflows SQLite's INTEGER in the query: a 500 instead of a 404.
    """

    regex = r"[0-9]{1,19}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT64)
        super().__init__(map, *args, **kwargs)


def create_app(config_class):
    """Build the Flask app from a config class (see ``config.py``)."""
    app = Flask(__name__, instance_relative_config=True)
    app.json = BoundedJSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.config.from_object(config_class)
    _refuse_incomplete_config(app.config)
    _bind_extensions(app)
    from app.ops.requestlog import configure_logging, init_request_ids
    if not app.testing:
        configure_logging(app)
    init_request_ids(app)
    from app.ops import metrics
    metrics.init_app(app)
    _register_blueprints(app)
    _register_security(app)
    _version_static_urls(app)
    _register_errors(app)
    from app.cli import register_cli
    register_cli(app)
    return app


def _refuse_incomplete_config(config):
    """Stop at start, with the fix, rather than serve half-configured."""
    if not config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Export SECRET_KEY (a long random string), or put "
            "one in instance/secret_key (`make setup` does).")
    if config["ATLAS_TILES"] != "offline" and not config["ATLAS_TILES_ATTRIBUTION"].strip():
        raise RuntimeError(
            "ATLAS_TILES names a tile server but ATLAS_TILES_ATTRIBUTION is empty: set "
            "the attribution its usage policy requires (README, \"Tiles\").")


def _bind_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
    from app import i18n
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    from app.ops import abuse, pool
    pool.init_app(app, db)
    abuse.init_app(app)
    with app.app_context():
        from app import stored_text
        for engine in db.engines.values():  # the primary and a read replica
            stored_text.install_for_engine(engine)
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            event.listen(db.engine, "begin", _sqlite_begin)


def _sqlite_pragmas(dbapi_connection, _record):
    """Foreign keys on, WAL for concurrent readers, wait rather than fail on locks.

    pysqlite's own transaction handling is switched off (it would BEGIN only
    before the first INSERT, leaving earlier reads outside the transaction);
    ``_sqlite_begin`` emits BEGIN itself.
    """
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except Exception:  # in-memory databases have no WAL
        pass
    cur.close()


def _sqlite_begin(conn):
    """BEGIN IMMEDIATE for anything that may write, plain BEGIN for safe requests.

    An IMMEDIATE transaction takes SQLite's write lock up front, waiting up to
    the busy timeout, so a read-then-write transaction can never hit "database
    is locked" when another worker committed in between. GET/HEAD/OPTIONS
    requests only read (WAL readers never block) and keep a deferred BEGIN, as
    do connections opened with the ``atlas_read_only`` execution option.
    """
    from flask import has_request_context
    safe = (conn.get_execution_options().get("atlas_read_only")
            or has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"))
    conn.exec_driver_sql("BEGIN" if safe else "BEGIN IMMEDIATE")


def _migrations_dir():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app):
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.barometer import bp as barometer_bp
    from app.feeds import bp as feeds_bp
    from app.embeds import bp as embeds_bp
    from app.incidents import bp as incidents_bp
    from app.interchange import bp as interchange_bp
    from app.main import bp as main_bp
    from app.taxonomy import bp as taxonomy_bp
    app.register_blueprint(main_bp)
    app.register_blueprint(taxonomy_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(embeds_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(incidents_bp)
    app.register_blueprint(interchange_bp)
    app.register_blueprint(barometer_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    from app.ogc import bp as ogc_bp
    app.register_blueprint(ogc_bp)
    csrf.exempt(api_bp)  # token-authenticated JSON API, no cookies involved
    from app import campaigns, notes, signals, tips
    tips.init_app(app)
    campaigns.init_app(app)
    notes.init_app(app)
    signals.init_app(app)
    from app.api import caching
    caching.init_app(app)


def _version_static_urls(app):
    """``/static/x.js?v=<digest of the static files>``: a proxy may cache them for a year.

    The digest changes whenever any static file does, so a release reaches every
    browser at once however long the cache (deploy/nginx/atlas.conf).
    """
    import hashlib
    from pathlib import Path
    digest = hashlib.sha256()
    root = Path(app.static_folder)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    version = digest.hexdigest()[:12]

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static":
            values.setdefault("v", version)


PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=()")  # Chromium warns on names it does not know


def _register_security(app):
    from app.sessions import AtlasSessionInterface
    app.session_interface = AtlasSessionInterface()
    if app.config.get("ATLAS_TRUSTED_PROXIES"):
        # Behind N proxies: trust their X-Forwarded-For/-Proto (HTTPS, client address).
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["ATLAS_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def _nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _inject_page_globals():
        from flask_babel import get_locale

        from app.i18n import format_locale
        return {"csp_nonce": g.get("csp_nonce", ""), "current_lang": str(get_locale()),
                # BCP 47 tag of how the page writes dates and numbers (scripts read it).
                "format_locale": format_locale().replace("_", "-")}

    @app.after_request
    def _headers(response):
        nonce = g.get("csp_nonce", "")
        tiles = app.config["ATLAS_TILES"]
        img_src = "'self' data:"
        if tiles != "offline":
            from urllib.parse import urlsplit
            parts = urlsplit(tiles.replace("{s}", "a"))
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
            img_src += f" {parts.scheme}://{host}"
        # Embed pages (app/embeds) give their response csp_script_src (hashes: the
        # pages are cached) and csp_frame_ancestors (their allowed hosts); every
        # other page refuses to be framed.
        script_src = getattr(response, "csp_script_src", None) or f"'nonce-{nonce}'"
        ancestors = getattr(response, "csp_frame_ancestors", None) or "'none'"
        response.headers.setdefault("Content-Security-Policy", (
            f"default-src 'self'; script-src 'self' {script_src}; "
            f"style-src 'self' 'unsafe-inline'; img-src {img_src}; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; "
            f"form-action 'self'; frame-ancestors {ancestors}"))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if ancestors == "'none'":
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.is_secure and app.config["ATLAS_HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={app.config['ATLAS_HSTS_SECONDS']}; includeSubDomains")
        return response


def _register_errors(app):
    from flask import render_template

    from flask_babel import gettext as _

    from app.i18n import N_
    from app.incidents.filters import FilterError
    from app.inputs import InputError

    # Werkzeug's names of the errors pages show, so that gettext finds them.
    N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"), N_("Not Found")
    N_("Method Not Allowed"), N_("Conflict"), N_("Request Entity Too Large")
    N_("Too Many Requests"), N_("Internal Server Error"), N_("Service Unavailable")

    def wants_json():
        return request.path.startswith("/api/") or (
            request.accept_mimetypes.best == "application/json")

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc):
        """A ``Host`` outside ``TRUSTED_HOSTS``: a bare 400, no page (no URL can be
        built for that host), never cached; in the language the other error pages
        would speak (``?lang=``, cookie, ``Accept-Language``: nothing from the
        database or a cache)."""
        from flask_babel import get_locale
        response = app.response_class(
            _("400 Bad Request: this site does not answer to that host name.") + "\n",
            400, mimetype="text/plain")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Language"] = str(get_locale())
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        message = exc.description or exc.name
        if wants_json():
            response = jsonify(error=message)
        else:
            response = app.make_response(render_template(
                "error.html", code=exc.code, name=_(exc.name), message=message))
        response.status_code = exc.code
        if getattr(exc, "retry_after", None):  # 429 and 503: when to come back
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(FilterError)
    @app.errorhandler(InputError)
    def _filter_error(exc):
        """A 400 for filters, numbers, texts and dates that cannot be understood,
        wherever they are parsed.

        JSON keeps ``error`` in English (clients may match on it) and adds
        ``message`` in the reader's language; pages show the latter. The request's
        transaction is rolled back first: a refused request stores nothing, and a
        refused text still pending in the session (``app/stored_text.py``) must not
        be flushed again by the page's own queries.
        """
        db.session.rollback()
        if wants_json():
            return jsonify(error=str(exc), message=exc.localised()), 400
        return render_template("error.html", code=400, name=_("Bad Request"),
                               message=exc.localised()), 400
