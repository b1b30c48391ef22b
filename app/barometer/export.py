"""Every figure of the barometer as rows (CSV) or one JSON document."""
import io

from app.barometer.index import quarter_label
from app.spreadsheet import csv_writer

FIGURES = ("countries", "series", "vectors", "platforms", "actors", "vectors_by_country",
           "actors_by_country")


def figure_rows(b, figure):
    """``(header, rows)`` of one figure of the barometer ``b``."""
    if figure == "countries":
        return (["quarter", "iso_a3", "incidents", "index", "trend_previous_pct",
                 "trend_year_before_pct"],
                [[quarter_label(b.quarter), f.iso_a3, f.count, f.index, f.trend_previous,
                  f.trend_year] for f in b.countries])
    if figure == "series":
        return (["quarter", "incidents", "index"],
                [[quarter_label(q), n, i] for q, n, i in b.series])
    if figure in ("vectors", "platforms", "actors"):
        key = figure[:-1]
        return (["quarter", key, "incidents"],
                [[quarter_label(b.quarter), k, n] for k, n in getattr(b, figure)])
    key = "vector" if figure == "vectors_by_country" else "actor"
    nested = getattr(b, figure)
    return (["quarter", "iso_a3", key, "incidents"],
            [[quarter_label(b.quarter), iso, k, n]
             for iso in sorted(nested) for k, n in nested[iso]])


def to_csv(b, figure):
    """One figure as CSV text (empty cells for missing trends)."""
    header, rows = figure_rows(b, figure)
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")  # actor names: formula-safe
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


def to_json(b, formula):
    """All figures as a JSON-ready dict, with the formula they were computed by."""
    doc = {"quarter": quarter_label(b.quarter) if b.quarter else None,
           "formula": formula}
    for figure in FIGURES:
        header, rows = figure_rows(b, figure) if b.quarter else ([], [])
        doc[figure] = [dict(zip(header, row)) for row in rows]
    return doc
