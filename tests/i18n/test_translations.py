"""Every user-facing message in the code has a French translation, compiled."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FR = ROOT / "app" / "translations" / "fr" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None}


def extracted_messages():
    """The msgids pybabel extracts with babel.cfg (what `make translations` sees)."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_extraction_finds_the_pages_messages():
    messages = extracted_messages()
    # A sanity check that the mapping covers Python and templates of every area.
    for known in ("Sign in", "Threat map", "Barometer of foreign interference",
                  "Hybrid Threat Atlas: new incidents", "Wrong email or password."):
        assert known in messages


def test_every_message_has_a_french_translation():
    with open(FR / "messages.po", "rb") as f:
        catalog = read_po(f)
    untranslated = sorted(
        m for m in extracted_messages()
        if not (catalog.get(m) and catalog.get(m).string and not catalog.get(m).fuzzy))
    assert untranslated == [], (
        "Messages without a French translation (run `make translations`, then translate "
        "them in app/translations/fr/LC_MESSAGES/messages.po): " + repr(untranslated))


def test_compiled_catalog_matches_the_po_file():
    with open(FR / "messages.po", "rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id}
    with open(FR / "messages.mo", "rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert mo == po, "messages.mo is stale: run `make translations`"
