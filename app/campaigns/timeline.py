"""The campaign timeline as SVG: incidents per month (bars) and countries reached
so far (a line), drawn on the server so that it needs no script.

Pure: takes the months from ``service.spread_by_month`` and the labels, returns
SVG text built with ElementTree (every label escaped). The page pairs it with a
table of the same figures for readers who cannot see it.
"""
import xml.etree.ElementTree as ET

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 40, 12, 34
BAR, LINE = "#3b6ea8", "#b3261e"


def _scale(value, top):
    """The y of ``value`` on an axis from 0 (bottom) to ``top`` (top of the plot)."""
    plot = HEIGHT - TOP - BOTTOM
    return HEIGHT - BOTTOM - (plot * value / top if top else 0)


def timeline_svg(months, *, title, incidents_label, countries_label, month_label):
    """SVG of ``months`` (``[(date, incidents, countries reached)]``).

    ``month_label(date)`` names a month for the axis (every few months shown).
    """
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "role": "img",
                             "viewBox": f"0 0 {WIDTH} {HEIGHT}", "class": "timeline",
                             "aria-labelledby": "timeline-title"})
    ET.SubElement(svg, "title", id="timeline-title").text = title
    if not months:
        return ET.tostring(svg, encoding="unicode")
    top_bar = max(n for _, n, _ in months)
    top_line = max(c for _, _, c in months) or 1
    step = (WIDTH - LEFT - RIGHT) / len(months)
    label_every = max(1, len(months) // 8)
    points = []
    for i, (month, count, reached) in enumerate(months):
        x = LEFT + i * step
        y = _scale(count, top_bar)
        ET.SubElement(svg, "rect", x=f"{x + step * 0.1:.1f}", y=f"{y:.1f}",
                      width=f"{step * 0.8:.1f}", height=f"{HEIGHT - BOTTOM - y:.1f}",
                      fill=BAR).append(_tooltip(f"{month_label(month)}: {count}"))
        points.append(f"{x + step / 2:.1f},{_scale(reached, top_line):.1f}")
        if i % label_every == 0:
            ET.SubElement(svg, "text", x=f"{x + step / 2:.1f}", y=str(HEIGHT - 12),
                          **{"text-anchor": "middle", "font-size": "11"}).text = (
                month_label(month))
    ET.SubElement(svg, "polyline", points=" ".join(points), fill="none", stroke=LINE,
                  **{"stroke-width": "2"})
    for x, anchor, text, colour in ((4, "start", f"{incidents_label} ≤ {top_bar}", BAR),
                                    (WIDTH - 4, "end", f"{countries_label} ≤ {top_line}",
                                     LINE)):
        ET.SubElement(svg, "text", x=str(x), y="10", fill=colour,
                      **{"text-anchor": anchor, "font-size": "11"}).text = text
    return ET.tostring(svg, encoding="unicode")


def _tooltip(text):
    element = ET.Element("title")
    element.text = text
    return element
