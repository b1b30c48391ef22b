"""Derive ``disarm.json`` from the DISARM Red framework STIX 2.1 bundle.

Reads the bundle (``x-mitre-tactic`` objects with ``external_id`` TA##,
``attack-pattern`` objects with ``external_id`` T#### or T####.###, techniques
linked to tactics through ``kill_chain_phases[].phase_name`` = the tactic's
``x_mitre_shortname``, sub-techniques linked to their parent by ``subtechnique-of``
relationships) and writes a compact, sorted JSON file that the app loads at run time
(``app/reference/disarm.py``), plus a copy of the licence beside it.

Run from the repository root (the default source is the shared reference data
checked out beside it; the app itself never reads it)::

    python taxonomies/disarm/derive.py [--source PATH/DISARM.json] [--check]

The JSON is parsed directly: no ``stix2`` dependency.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "taxonomies" / "disarm" / "DISARM.json"
OUTPUT = HERE / "disarm.json"
LICENSE = HERE / "LICENSE.md"

SOURCE_INFO = {
    "name": "DISARM Red framework",
    "repository": "DISARMFoundation/DISARMframeworks",
    "path": "generated_files/DISARM_STIX/DISARM.json",
    "commit": "49df5f6",
    "license": "CC-BY-SA-4.0",
    "attribution": "DISARM Red framework by the DISARM Foundation, CC BY-SA 4.0 "
    "(derived: ids, names, tactics and the first paragraph of descriptions)",
}

#: Technique descriptions are cut to their first paragraph and at most this many
#: characters: enough for a picker or a tooltip; the DISARM page has the rest.
MAX_DESCRIPTION = 300

_TACTIC_ID = re.compile(r"^TA\d{2}$")
_TECHNIQUE_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")
_PARAGRAPH_BREAK = re.compile(r"<br\s*/?>|</br>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


class BundleError(ValueError):
    """The bundle does not have the shape this script relies on."""


def external_id(obj: dict) -> str:
    """The DISARM id (``TA01``, ``T0002``, ``T0002.001``) of a STIX object."""
    for ref in obj.get("external_references", []):
        if ref.get("external_id"):
            return ref["external_id"]
    raise BundleError(f"{obj.get('id')}: no external_id")


def first_paragraph(text: str, limit: int | None = None) -> str:
    """Plain text of the first paragraph of a DISARM description (HTML-ish markup).

    Paragraphs are separated by ``<br>`` tags; other tags are dropped and whitespace
    (including no-break spaces) collapsed. With ``limit``, longer text is cut at the
    last sentence end, or else the last word, that fits, and an ellipsis marks a cut.
    """
    para = next((p for p in _PARAGRAPH_BREAK.split(text or "") if _TAG.sub("", p).strip()), "")
    plain = " ".join(html.unescape(_TAG.sub("", para)).split())
    if limit is None or len(plain) <= limit:
        return plain
    head = plain[:limit]
    sentence_end = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    if sentence_end >= limit // 2:
        return head[: sentence_end + 1]
    return head[: head.rfind(" ")].rstrip(" ,;:") + "…"


def _id_key(identifier: str) -> tuple:
    return tuple(int(n) for n in re.findall(r"\d+", identifier))


def derive(bundle: dict) -> dict:
    """The compact ``{"source", "tactics", "techniques"}`` document for a bundle."""
    objects = bundle.get("objects", [])
    tactics = []
    tactic_by_phase = {}
    for obj in objects:
        if obj.get("type") != "x-mitre-tactic" or obj.get("revoked"):
            continue
        tid = external_id(obj)
        if not _TACTIC_ID.match(tid):
            raise BundleError(f"unexpected tactic id {tid!r}")
        tactic_by_phase[obj["x_mitre_shortname"]] = tid
        tactics.append(
            {
                "id": tid,
                "name": obj["name"].strip(),
                "shortname": obj["x_mitre_shortname"],
                "description": first_paragraph(obj.get("description", "")),
            }
        )

    patterns = {
        o["id"]: o
        for o in objects
        if o.get("type") == "attack-pattern" and not o.get("revoked")
    }
    parent_ref = {
        o["source_ref"]: o["target_ref"]
        for o in objects
        if o.get("type") == "relationship" and o.get("relationship_type") == "subtechnique-of"
    }

    techniques = []
    for stix_id, obj in patterns.items():
        tid = external_id(obj)
        if not _TECHNIQUE_ID.match(tid):
            raise BundleError(f"unexpected technique id {tid!r}")
        phases = [p["phase_name"] for p in obj.get("kill_chain_phases", [])]
        unknown = [p for p in phases if p not in tactic_by_phase]
        if unknown or not phases:
            raise BundleError(f"{tid}: no tactic for kill chain phase(s) {unknown or phases}")
        parent = None
        if "." in tid:
            if stix_id not in parent_ref or parent_ref[stix_id] not in patterns:
                raise BundleError(f"{tid}: sub-technique without a parent technique")
            parent = external_id(patterns[parent_ref[stix_id]])
            if parent != tid.split(".")[0]:
                raise BundleError(f"{tid}: parent {parent} does not match its id")
        techniques.append(
            {
                "id": tid,
                "name": obj["name"].strip(),
                "tactics": sorted(set(tactic_by_phase[p] for p in phases), key=_id_key),
                "parent": parent,
                "description": first_paragraph(obj.get("description", ""), MAX_DESCRIPTION),
            }
        )

    for kind, items in (("tactic", tactics), ("technique", techniques)):
        ids = [i["id"] for i in items]
        if len(ids) != len(set(ids)):
            raise BundleError(f"duplicate {kind} ids")
    tactics.sort(key=lambda t: _id_key(t["id"]))
    techniques.sort(key=lambda t: _id_key(t["id"]))
    return {"source": SOURCE_INFO, "tactics": tactics, "techniques": techniques}


def dumps(document: dict) -> str:
    """JSON with one tactic or technique per line: compact, yet diffable."""

    def one(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ["{", f'"source":{one(document["source"])},']
    for key, last in (("tactics", False), ("techniques", True)):
        items = document[key]
        lines.append(f'"{key}":[')
        lines.extend(one(item) + ("," if i < len(items) - 1 else "") for i, item in enumerate(items))
        lines.append("]" + ("" if last else ","))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="DISARM.json bundle")
    parser.add_argument(
        "--check", action="store_true", help="only check that disarm.json is up to date"
    )
    args = parser.parse_args(argv)

    with args.source.open(encoding="utf-8") as fh:
        text = dumps(derive(json.load(fh)))
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: re-run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} is up to date")
        return 0

    OUTPUT.write_text(text, encoding="utf-8")
    licence = args.source.with_name("LICENSE.md")
    if licence.exists():
        shutil.copyfile(licence, LICENSE)
    doc = json.loads(text)
    print(
        f"wrote {OUTPUT} ({len(doc['tactics'])} tactics, "
        f"{len(doc['techniques'])} techniques, {len(text.encode())} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
