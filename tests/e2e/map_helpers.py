"""What the map's browser tests share: publishing test incidents, opening the map and
waiting for the drawing a change caused."""
from app.auth.service import create_user
from app.incidents import service
from app.incidents.schema import parse_incident


def publish(user, **fields):
    data = {"start_date": "2025-03-01", "vectors": ["information"], "actor": "Test Actor",
            "confidence": 70, **fields}
    return service.create_incident(data=parse_incident(data), author=user,
                                   status="published")


def make_editor(password="correct horse battery"):
    return create_user(email="ed@example.org", password=password, role="editor")


def open_map(page, url):
    page.goto(url)
    page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)


def after_render(page, action):
    """Do ``action`` and wait until the map has drawn the answer it caused."""
    before = int(page.locator(".folium-map").get_attribute("data-renders"))
    action()
    page.wait_for_function(
        "n => { const m = document.querySelector('.folium-map');"
        " return Number(m.dataset.renders) > n && m.dataset.loading === 'false'; }",
        arg=before, timeout=15000)


def list_titles(page):
    return sorted(page.locator("#atlas-list tbody tr[data-id] td:nth-child(2)").all_inner_texts())
