"""The printed quarterly report in real Chromium: fits an A4 width, nothing cut."""
import re

from app.barometer import reports
from app.incidents import service
from app.incidents.schema import parse_incident

A4_WIDTH_PX = 794          # 210 mm at 96 px per inch
A4_PRINTABLE_PX = 688      # minus the 14 mm margins of print.css


def _seed():
    from app.auth.service import create_user
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    points = ["POINT (2.35 48.86)", "POINT (13.4 52.52)", "POINT (21.0 52.2)",
              "POINT (24.1 56.9)", "POINT (-3.7 40.4)"]
    for i, wkt in enumerate(points * 3):
        data = {"title": f"Incident with a rather long title number {i} " * 2,
                "start_date": f"2025-0{4 + i % 3}-1{i % 9}", "wkt": wkt,
                "vectors": ["information", "cyber"][: 1 + i % 2],
                "actor": f"Actor with a long name {i % 4}", "confidence": 40 + i * 3}
        incident = service.create_incident(data=parse_incident(data), author=editor,
                                           status="published")
    reports.save_section(quarter=(2025, 2), slug="summary", title="In short",
                         body="A long paragraph " * 80, publish=True, expected_version=0,
                         editor=editor)
    reports.set_picks(quarter=(2025, 2), incident_ids=[incident.id], editor=editor)


def _overflowing(page, width):
    """Visible elements whose box reaches past ``width`` CSS pixels."""
    return page.evaluate("""(width) => Array.from(document.querySelectorAll('body *'))
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width > 0 && r.height > 0 && r.right > width + 0.5; })
        .map(e => e.tagName + '.' + e.className)""", width)


def test_printed_report_fits_a4_without_cut_elements(page, live_app, live_server, tmp_path):
    _seed()
    page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1123})
    page.goto(live_server.url + "/reports/2025-Q2?lang=fr")
    page.emulate_media(media="print")
    assert page.locator("h1").inner_text() == "Rapport trimestriel T2 2025"
    # Print view: no site header, no buttons; the map, figures and narrative are there.
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("#print-report").is_visible()
    for selector in (".report-map svg", "#countries", ".key-figures", "#section-summary",
                     ".methodology", ".picks li"):
        assert page.locator(selector).first.is_visible(), selector
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_PRINTABLE_PX
    assert _overflowing(page, A4_PRINTABLE_PX) == []
    svg_box = page.locator(".report-map svg").bounding_box()
    assert 0 < svg_box["width"] <= A4_PRINTABLE_PX
    shot = tmp_path / "report-print.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
    assert page.watch.errors == [] and page.watch.foreign_requests() == []
