"""Hybrid Threat Atlas: the application factory."""
import secrets

from flask import Flask, g, jsonify, request
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config_class):
    """Build the Flask app from a config class (see ``config.py``)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_class)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Export SECRET_KEY (a long random string) or use "
            "`make run`, which keeps one in instance/secret_key.")
    _bind_extensions(app)
    _register_blueprints(app)
    _register_security(app)
    _register_errors(app)
    from app.cli import register_cli
    register_cli(app)
    return app


def _bind_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
    from app.i18n import select_locale
    babel.init_app(app, locale_selector=select_locale)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record):
    """Foreign keys on, WAL for concurrent readers, wait rather than fail on locks."""
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except Exception:  # in-memory databases have no WAL
        pass
    cur.close()


def _migrations_dir():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app):
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
    app.register_blueprint(incidents_bp)
    app.register_blueprint(interchange_bp)
    app.register_blueprint(barometer_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # token-authenticated JSON API, no cookies involved
    from app import tips
    tips.init_app(app)
    from app.api import caching
    caching.init_app(app)


def _register_security(app):
    from app.sessions import AtlasSessionInterface
    app.session_interface = AtlasSessionInterface()

    @app.before_request
    def _nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _inject_page_globals():
        from flask_babel import get_locale
        return {"csp_nonce": g.get("csp_nonce", ""), "current_lang": str(get_locale())}

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
        return response


def _register_errors(app):
    from flask import render_template

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        wants_json = request.path.startswith("/api/") or (
            request.accept_mimetypes.best == "application/json")
        message = exc.description or exc.name
        if wants_json:
            return jsonify(error=message), exc.code
        return render_template("error.html", code=exc.code, name=exc.name,
                               message=message), exc.code
