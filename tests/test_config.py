"""Configuration: production refuses to start without a secret key."""
import pytest

from app import create_app
from config import ProductionConfig


def test_production_requires_secret_key():
    config = type("NoKey", (ProductionConfig,), {"SECRET_KEY": None,
                                                 "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(config)


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"
