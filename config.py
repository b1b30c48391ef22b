"""Configuration classes read from the environment.

``create_app`` takes one of these classes; ``config_for_env()`` picks it from
``ATLAS_ENV`` (``development``, ``testing`` or ``production``, the default).

Every setting of the app is read here, once, when this module is imported; the
README's table lists them all (``tests/test_config.py`` checks both ways). The
other readers of the environment are gunicorn's own settings (``gunicorn.conf.py``),
the answers a CLI command takes when it runs (``ATLAS_PASSWORD``,
``ATLAS_ADMIN_EMAIL``, ``ATLAS_DEMO_COUNT`` in ``app/cli.py``), and the pure
``geo`` layer's data directory (``ATLAS_GEODATA``).

A ``.env`` file beside this module (``KEY=value`` lines) is loaded first, for every
entry point (``make run``, gunicorn, the Flask CLI); variables already set in the
environment win. The test suite (``ATLAS_ENV=testing``) ignores it.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _load_dotenv():
    if os.environ.get("ATLAS_ENV") == "testing":
        return
    from dotenv import load_dotenv
    load_dotenv(BASE_DIR / ".env", override=False)


_load_dotenv()
# Where the default SQLite database, the generated secret key and the saved map
# index live (a checkout's instance/; set it when the app is installed as a package).
INSTANCE_DIR = Path(os.environ.get("ATLAS_INSTANCE_DIR") or BASE_DIR / "instance")


def _sqlite_default():
    return f"sqlite:///{INSTANCE_DIR / 'atlas.db'}"


def _database_url(name="DATABASE_URL", default=_sqlite_default):
    url = os.environ.get(name) or (default() if default else None)
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants "postgresql".
    if url and url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def _trusted_hosts(default=None):
    """``ATLAS_TRUSTED_HOSTS`` (comma- or space-separated host names) as a list.

    Flask answers any other ``Host`` with 400 before a view runs, so no page,
    link or cache entry is ever built for a host the site is not. A leading
    dot allows subdomains (``.atlas.example``). Unset: ``default``.
    """
    raw = os.environ.get("ATLAS_TRUSTED_HOSTS", "").replace(",", " ").split()
    return raw or default


def _secret_key():
    """``SECRET_KEY``, else the key ``make setup`` keeps in ``<instance>/secret_key``."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    try:
        return (INSTANCE_DIR / "secret_key").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _binds():
    """The read replica's bind, when ``DATABASE_REPLICA_URL`` is set (app/ops/replica.py)."""
    replica = _database_url("DATABASE_REPLICA_URL", None)
    return {"replica": replica} if replica else {}


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_BINDS = _binds()
    # Connections idle longer than this (seconds) are pinged before use
    # (app/ops/pool.py) instead of SQLAlchemy's pre-ping at every checkout.
    ATLAS_DB_PING_AFTER = float(os.environ.get("ATLAS_DB_PING_AFTER", 30))
    MAX_CONTENT_LENGTH = int(os.environ.get("ATLAS_MAX_UPLOAD", 32 * 1024 * 1024))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("ATLAS_SECURE_COOKIES", "1") != "0"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    # Counters shared by every worker of the instance (app/ops/ratestore.py);
    # redis://… when several servers must count together (docs/deploy.md).
    RATELIMIT_STORAGE_URI = os.environ.get(
        "RATELIMIT_STORAGE_URI", f"atlas-file://{INSTANCE_DIR / 'ratelimits.sqlite'}")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: count in each worker's memory instead of failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = (
        os.environ.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", "false").lower()
        in ("1", "true", "yes"))
    ATLAS_LOG_LEVEL = os.environ.get("ATLAS_LOG_LEVEL", "INFO").upper()
    LOGIN_THROTTLE = os.environ.get("ATLAS_LOGIN_THROTTLE", "5 per minute")
    ATLAS_TIP_THROTTLE = os.environ.get("ATLAS_TIP_THROTTLE", "10 per hour")
    # From this many consecutive failed sign-ins an account backs off: the next
    # attempt counts after ATLAS_BACKOFF_SECONDS, doubling per further failure up
    # to ATLAS_BACKOFF_MAX_SECONDS (app/auth/service.py, BackOff). Never for good.
    ATLAS_LOCKOUT_AFTER = int(os.environ.get("ATLAS_LOCKOUT_AFTER", 10))
    ATLAS_BACKOFF_SECONDS = float(os.environ.get("ATLAS_BACKOFF_SECONDS", 60))
    ATLAS_BACKOFF_MAX_SECONDS = float(os.environ.get("ATLAS_BACKOFF_MAX_SECONDS", 3600))
    ATLAS_TOKEN_THROTTLE = os.environ.get("ATLAS_TOKEN_THROTTLE", "20 per minute")
    ATLAS_API_WRITE_LIMIT = os.environ.get("ATLAS_API_WRITE_LIMIT", "300 per minute")
    # None (unset in production) accepts any Host: set it (docs/deploy.md).
    TRUSTED_HOSTS = _trusted_hosts()
    # Expensive anonymous requests (app/ops/abuse.py): PNG renders and API pages
    # over 100 incidents per client; renders at once and queued per process.
    ATLAS_PNG_LIMIT = os.environ.get("ATLAS_PNG_LIMIT", "30 per minute")
    ATLAS_LARGE_PAGE_LIMIT = os.environ.get("ATLAS_LARGE_PAGE_LIMIT", "30 per minute")
    ATLAS_ANON_MAX_LIMIT = int(os.environ.get("ATLAS_ANON_MAX_LIMIT", 500))
    ATLAS_RENDER_SLOTS = int(os.environ.get("ATLAS_RENDER_SLOTS", 2))
    ATLAS_RENDER_WAITING = int(os.environ.get("ATLAS_RENDER_WAITING", 4))
    ATLAS_HSTS_SECONDS = int(os.environ.get("ATLAS_HSTS_SECONDS", 365 * 86400))
    ATLAS_TRUSTED_PROXIES = int(os.environ.get("ATLAS_TRUSTED_PROXIES", 0))
    # Offline first: the basemap drawn from geodata/ by the app itself, so no reader's
    # browser calls a third party. A tile server is an explicit choice (README, "Tiles").
    ATLAS_TILES = os.environ.get("ATLAS_TILES", "offline")
    ATLAS_TILES_ATTRIBUTION = os.environ.get("ATLAS_TILES_ATTRIBUTION", "")
    # Where workers save the map index they build, so the next worker to start
    # maps it instead of reading every incident ("" turns it off).
    ATLAS_MAP_SAVED_DIR = os.environ.get("ATLAS_MAP_SAVED_DIR",
                                         str(INSTANCE_DIR / "map-index")) or None
    ATLAS_DEMO = os.environ.get("ATLAS_DEMO", "1") != "0"
    # /metrics (app/ops/metrics.py): off unless 1; then only for these addresses or
    # networks (space-separated), or for a request bearing the token.
    ATLAS_METRICS = os.environ.get("ATLAS_METRICS", "0") != "0"
    ATLAS_METRICS_ALLOW = os.environ.get("ATLAS_METRICS_ALLOW", "127.0.0.1 ::1").split()
    ATLAS_METRICS_TOKEN = os.environ.get("ATLAS_METRICS_TOKEN") or None
    # Sites allowed to frame embeds that name no hosts of their own (space-separated).
    ATLAS_EMBED_HOSTS = os.environ.get("ATLAS_EMBED_HOSTS", "").split()


class DevelopmentConfig(Config):
    """Local hacking: debug on, cookies over plain HTTP, a throwaway key."""

    DEBUG = True
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    TRUSTED_HOSTS = _trusted_hosts(["localhost", "127.0.0.1"])
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    """The test suite: its own database, a fixed key, tiles offline."""

    TESTING = True
    SECRET_KEY = "testing-not-secret"
    # In-process counters: each test resets them (limiter.reset()); the shared
    # file storage has its own tests (tests/security/test_shared_rate_limits.py).
    RATELIMIT_STORAGE_URI = "atlas-memory://"
    TRUSTED_HOSTS = _trusted_hosts(["localhost", "127.0.0.1"])
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    ATLAS_TILES = "offline"
    ATLAS_DEMO = False
    ATLAS_MAP_SAVED_DIR = None


class ProductionConfig(Config):
    """Served to the public: a real secret key is mandatory."""


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for_env():
    """Return the config class named by ``ATLAS_ENV`` (default production)."""
    name = os.environ.get("ATLAS_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise SystemExit(f"ATLAS_ENV={name!r} is not one of {sorted(CONFIGS)}")
