"""The one CSV writer of the app: every cell safe to open in a spreadsheet.

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
is run as a formula by spreadsheet programs (``=HYPERLINK(…)`` exfiltrates,
``=cmd|…`` executes). ``csv_writer`` gives such a cell a leading apostrophe;
real numbers (``int``, ``float``, or text that is exactly a number such as
``-12.5``) stay numbers. Every CSV the app emits (the incident export, the
barometer's downloads) is written through it; ``restore`` undoes it on import.
"""
import csv
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(cell):
    """``cell`` made inert for spreadsheets: formula-like text gets a leading apostrophe."""
    if not isinstance(cell, str):
        return cell
    if cell.startswith(FORMULA_START) and not NUMBER.match(cell):
        return "'" + cell
    return cell


def restore(cell):
    """Undo ``neutralise`` on a cell read back from a file."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


class _SafeWriter:
    """``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row):
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **options):
    """A ``csv.writer`` on ``out`` (same options) that neutralises every cell."""
    return _SafeWriter(out, **options)
