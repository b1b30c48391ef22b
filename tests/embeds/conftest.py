"""Fixtures for embeds: an embed built through the service."""
import pytest

from app.embeds import service

DEFAULTS = {"title": "Cyber in France", "caption": "", "filters": "", "layers":
            ["actor", "vector", "country"], "fit_to_data": True, "center_lat": None,
            "center_lon": None, "zoom": None, "legend_position": "bottomleft",
            "frozen": False, "refreeze": False, "allowed_hosts": []}


@pytest.fixture
def make_embed(app, make_user):
    """``make_embed(frozen=True, filters="vector=cyber")`` → a saved Embed."""
    def make(author=None, **fields):
        return service.create(data={**DEFAULTS, **fields},
                              author=author or make_user("editor"))
    return make
