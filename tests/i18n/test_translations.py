"""Every user-facing string goes through the catalogue, and has a French translation.

Three scans fail on text a reader would see untranslated: Python (flash
messages, page errors, form labels and validator messages given as plain
literals), templates (text outside ``_()``), and the browser scripts (text not
taken from ``interface_labels``). Then every extracted message must have a
French translation, compiled.
"""
import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import importlib

from app.i18n import CODE_LABELS, ENUMERATIONS, code_choices, interface_labels

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FR = ROOT / "app" / "translations" / "fr" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "N_": None}
APP = ROOT / "app"


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


def test_the_app_loads_only_the_catalogue_tested_here(app):
    """Every catalogue Flask-Babel loads is the one the tests below read (a second
    directory, as ``app/tips/translations`` once was, would escape them)."""
    babel = app.extensions["babel"]
    loaded = [Path(app.root_path, d).resolve() for d in babel.translation_directories]
    assert loaded == [FR.parents[1]]
    assert sorted(p.relative_to(APP) for p in APP.rglob("*.po")) == [
        Path("translations/fr/LC_MESSAGES/messages.po")]


def test_every_message_has_a_french_translation():
    with open(FR / "messages.po", "rb") as f:
        catalog = read_po(f)
    untranslated = sorted(
        m for m in extracted_messages()
        if not (catalog.get(m) and catalog.get(m).string and not catalog.get(m).fuzzy))
    assert untranslated == [], (
        "Messages without a French translation (run `make translations`, then translate "
        "them in app/translations/fr/LC_MESSAGES/messages.po): " + repr(untranslated))


def _plain(value):
    """A plural message's id and strings as a tuple (the .mo reader gives lists)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _catalogue():
    with open(FR / "messages.po", "rb") as f:
        return read_po(f)


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    """Not only the extracted messages: every entry of the French file is translated
    and none is fuzzy (a fuzzy entry is left out of the compiled catalogue)."""
    catalog = _catalogue()
    untranslated = [m.id for m in catalog if m.id and not (
        all(m.string) if isinstance(m.string, (list, tuple)) else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert (untranslated, fuzzy) == ([], [])


def test_compiled_catalog_matches_the_po_file():
    with open(FR / "messages.po", "rb") as f:
        po = {_plain(m.id): _plain(m.string) for m in read_po(f) if m.id}
    with open(FR / "messages.mo", "rb") as f:
        mo = {_plain(m.id): _plain(m.string) for m in read_mo(f) if m.id}
    assert mo == po, "messages.mo is stale: run `make translations`"


# --- Python -------------------------------------------------------------------

MARKERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "N_"}
VALIDATORS = {"DataRequired", "InputRequired", "Length", "NumberRange", "Regexp", "Email",
              "EqualTo", "URL", "AnyOf", "NoneOf"}


def _call_name(node):
    return getattr(node.func, "id", getattr(node.func, "attr", None))


# Errors and messages whose text is translated at display time (app/messages.py): their
# template must be marked with N_ (a name holding a marked template is fine too).
MESSAGE_CALLS = {"Message", "MessageError", "FilterError", "GeometryError", "EmbedError",
                 "FormatError", "PermissionDenied", "TipStateError", "AccountError",
                 "AccountLocked"}


def _reasons(node):
    """The reasons in ``[(field, reason), …]`` or ``(field, reason)``."""
    items = node.elts if isinstance(node, ast.List) else [node]
    return [t.elts[1] for t in items if isinstance(t, ast.Tuple) and len(t.elts) == 2]


def _shown_arguments(call):
    """The arguments of ``call`` a reader sees: flash text, abort text, labels, messages,
    error templates and validation reasons (``errors.append((field, reason))``)."""
    name = _call_name(call)
    if name in MESSAGE_CALLS:
        return call.args[:1]
    if name == "ValidationError" and call.args:
        return _reasons(call.args[0])
    if name == "append" and getattr(call.func.value, "id", None) == "errors" and call.args:
        return _reasons(call.args[0])
    if name == "flash":
        return call.args[:1]
    if name == "abort":
        return call.args[1:2]
    if name and name.endswith("Field"):
        return call.args[:1] + [k.value for k in call.keywords
                                if k.arg in ("label", "description")]
    if name in VALIDATORS:
        return ([k.value for k in call.keywords if k.arg == "message"]
                + (call.args[1:2] if name == "EqualTo" else []))
    return []


def plain_python_strings(root=APP):
    """``path:line: text`` of reader-facing literals not passed through gettext.

    The JSON API (app/api) is left out on purpose: its ``error`` texts are
    English, a stable contract (see README, "Languages").
    """
    found = []
    for path in sorted(root.rglob("*.py")):
        if (root / "api") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            for arg in _shown_arguments(node):
                if isinstance(arg, ast.JoinedStr) or (
                        isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(arg)}")
    return found


def test_python_shows_no_plain_string():
    assert plain_python_strings() == []


def test_python_scan_finds_a_plain_flash_and_label(tmp_path):
    (tmp_path / "routes.py").write_text(
        'flash("Saved.")\nflash(_("Saved."))\nabort(404, f"No {x}")\n'
        'name = StringField("Name", validators=[DataRequired(message="Say it")])\n'
        'errors.append(("title", "is required"))\nerrors.append(("title", Message(N_("ok"))))\n'
        'raise ValidationError([("ids", f"no {x}")])\nraise GeometryError("empty")\n'
        'raise GeometryError(N_("empty"))\n')
    assert sorted(line.split(": ", 1)[0] for line in plain_python_strings(tmp_path)) == [
        "routes.py:1", "routes.py:3", "routes.py:4", "routes.py:4", "routes.py:5",
        "routes.py:7", "routes.py:8"]


# --- templates ----------------------------------------------------------------

# Names and formats that read the same in both languages.
SAME_IN_BOTH = re.compile(
    r"Hybrid Threat Atlas|openapi\.json|application/json|OpenAPI|JSON|CSV|UTC|DISARM|UUID"
    r"|\b[a-z]+-page\b")
SHOWN_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "label"}


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found, self.in_code = [], 0

    def handle_starttag(self, tag, attrs):
        self.in_code += tag in ("script", "style")
        self.found += [(f"{k}=", v) for k, v in attrs if k in SHOWN_ATTRIBUTES and v]

    def handle_endtag(self, tag):
        self.in_code -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.in_code:
            self.found.append(("", data))


def plain_template_text(text):
    """Words of a template outside Jinja expressions, tags and comments."""
    for pattern in (r"{#.*?#}", r"{%.*?%}", r"{{.*?}}"):
        text = re.sub(pattern, " ", text, flags=re.S)
    finder = _TextFinder()
    finder.feed(text)
    return [where + text.strip() for where, text in finder.found
            if re.search(r"[^\W\d_]{2}", SAME_IN_BOTH.sub("", text))]


def test_templates_show_no_plain_text():
    found = {str(p.relative_to(APP)): plain_template_text(p.read_text())
             for p in sorted((APP / "templates").rglob("*.html"))}
    assert {k: v for k, v in found.items() if v} == {}


def test_template_scan_finds_text_and_attributes():
    assert plain_template_text(
        '<p>{{ _("Fine") }} Hello</p><img alt="A map"><b title="{{ _(\'x\') }}">·</b>'
        "<script>var a = 'code';</script>{# a comment #}{% if x %}JSON{% endif %}") == [
        "Hello", "alt=A map"]


# --- browser scripts ------------------------------------------------------------

SCRIPTS = APP / "static" / "js"
LITERAL = re.compile(r"'((?:[^'\\\n]|\\.)*)'" + r'|"((?:[^"\\\n]|\\.)*)"')
# Code, not text: the strict-mode pragma, CSS classes and selectors, DOM/HTTP names.
TECHNICAL = {"use strict", "Point", "AbortError", "Content-Type", "Enter", "Escape", "HTTP ",
             "Leaflet",  # a name, the same in both languages
             "Feature", "FeatureCollection", "Polygon"}  # GeoJSON types


def _script_code(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"(?m)^\s*//.*$", "", text)
    # English fallbacks whose keys must all come from interface_labels (checked below).
    return re.sub(r"var DEFAULT_LABELS = \{.*?\};", "", text, flags=re.S)


def plain_script_strings(text):
    """String literals of a script that read like prose (words, or words joined by spaces)."""
    found = []
    for m in LITERAL.finditer(_script_code(text)):
        value = m[1] if m[1] is not None else m[2]
        if value in TECHNICAL or not re.search(r"[A-Za-z]{2}", value):
            continue
        spaced = value != value.strip()      # a piece of a sentence: ' of '
        css = re.fullmatch(r"[#.]?[a-z][\w-]*( [#.]?[a-z][\w-]*)*", value)
        if spaced or (re.search(r"[A-Za-z] +[A-Za-z]", value) and not css) or re.match(
                r"[A-Z][a-z]", value):
            found.append(value)
    return found


def test_scripts_show_no_plain_text():
    found = {p.name: plain_script_strings(p.read_text()) for p in sorted(SCRIPTS.glob("*.js"))}
    assert {k: v for k, v in found.items() if v} == {}


def test_script_scan_finds_prose_and_spares_code():
    assert plain_script_strings(
        "el('p', { 'class': 'help swatch', text: 'Open the incident' });\n"
        "x = n + ' of ' + m; y = 'Legend'; z = '#atlas-list tbody'; 'use strict';") == [
        "Open the incident", " of ", "Legend"]


def test_scripts_use_only_labels_the_pages_send(app):
    with app.test_request_context("/?lang=fr"):
        sent = interface_labels()
    with app.app_context(), app.test_request_context("/?lang=en"):
        english = interface_labels()
    used = set()
    for path in SCRIPTS.glob("*.js"):
        code = path.read_text()
        used |= set(re.findall(r"\blabels\.(\w+)", code))
        if path.name != "editor.js":  # elsewhere ``t`` is the labels (editor: a technique)
            used |= set(re.findall(r"\bt\.(\w+)", code))
        defaults = re.search(r"var DEFAULT_LABELS = \{(.*?)\};", code, flags=re.S)
        if defaults:
            used |= set(re.findall(r"(\w+):", defaults[1]))
    assert used - set(sent) == set()
    assert sent["legend"] == "Légende" and sent["rule"] != english["rule"]


def test_french_typography():
    """A no-break space before « : ; ? ! » and inside « guillemets », never a plain one."""
    with open(FR / "messages.po", "rb") as f:
        strings = [m.string for m in read_po(f) if m.id and isinstance(m.string, str)]
    plain = [s for s in strings if re.search(r" [:;?!»]|« ", s)]
    assert plain == []
    assert any("\u00a0:" in s for s in strings)


# --- enumerations ---------------------------------------------------------------

def _codes(where):
    module, name = where.split(":")
    return getattr(importlib.import_module(module), name)


def test_every_enumeration_value_has_a_french_label(app):
    """Each code of each model enumeration (statuses, precisions, attributions, actor
    types, roles, tip statuses, embed legend positions…) has a label in CODE_LABELS,
    translated in the catalogue; the forms offering them show the labels."""
    catalog = _catalogue()
    missing, untranslated = [], []
    for kind, where in ENUMERATIONS.items():
        for code in _codes(where):
            label = CODE_LABELS[kind].get(code)
            if label is None:
                missing.append(f"{kind}:{code}")
            elif not (catalog.get(label) and catalog.get(label).string):
                untranslated.append(label)
    assert (missing, untranslated) == ([], [])
    with app.app_context(), app.test_request_context("/?lang=fr"):
        shown = {c.value: str(c.label) for c in code_choices(
            "attribution", _codes(ENUMERATIONS["attribution"]))}
    assert shown["inferred"] == "déduite" and shown["unattributed"] != "unattributed"


def test_enumeration_scan_covers_every_model_enumeration():
    """A new enumeration in a models.py (a tuple of lower-case codes named in capitals)
    must be listed in ENUMERATIONS, so the test above checks its labels."""
    listed = {where for where in ENUMERATIONS.values()}
    found = set()
    for path in sorted(APP.rglob("models.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.parse(path.read_text()).body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple)
                    and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id.isupper() and node.value.elts
                    and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                            for e in node.value.elts)):
                found.add(f"{module}:{node.targets[0].id}")
    # Not shown to readers as words: barometer section slugs are headed by the
    # page's own titles; the open tip statuses are a subset of TIP_STATUSES.
    unlisted = found - listed - {"app.barometer.models:SECTION_SLUGS",
                                 "app.tips.models:OPEN_STATUSES",
                                 "app.notes.models:NOTE_STATUSES"}
    assert unlisted == set()
    assert set(_codes("app.notes.models:NOTE_STATUSES")) <= set(CODE_LABELS["status"])


# --- what the scripts show ----------------------------------------------------------

def _leaves(value, path=()):
    """``(path, text)`` of every string in nested labels."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, path + (key,))
    else:
        yield path, value


def test_every_script_string_is_in_the_catalogue_and_translated(app):
    """Every string the pages hand their scripts (``interface_labels``: the map, the
    popups, embeds, the editor and its drawing tool, Leaflet's controls) is a
    catalogue message with a French translation, and the French page gets it."""
    catalog = _catalogue()
    ids = {}  # msgid (singular or plural) -> the French strings it may become
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, (list, tuple)):  # French has three forms (CLDR: "many")
            ids.setdefault(m.id[0], set()).add(m.string[0])
            ids.setdefault(m.id[1], set()).update(m.string[1:])
        else:
            ids.setdefault(m.id, set()).add(m.string)
    # A fresh app context each: Flask-Babel keeps the first locale in ``g``.
    with app.app_context(), app.test_request_context("/?lang=en"):
        english = dict(_leaves(interface_labels()))
    with app.app_context(), app.test_request_context("/?lang=fr"):
        french = dict(_leaves(interface_labels()))
    # Counted phrases are sent with {n}; their msgids too.
    not_in_catalogue = sorted(".".join(k) for k, v in english.items() if v not in ids)
    assert not_in_catalogue == []
    not_translated = sorted(".".join(k) for k, v in english.items()
                            if french[k] not in ids[v] or not all(ids[v]))
    assert not_translated == []


GEOMAN = APP / "static" / "vendor" / "leaflet-geoman" / "leaflet-geoman.min.js"


def test_drawing_tool_strings_override_geomans_own_keys(app):
    """The editor hands Leaflet-Geoman our strings by its own keys (``setLang``): a key
    Geoman does not have would leave its English showing."""
    code = GEOMAN.read_text()
    english = re.search(r"\{tooltips:\{(.*?)\},actions:\{(.*?)\},buttonTitles:\{(.*?)\}",
                        code)
    known = {group: set(re.findall(r"(\w+):", english[i + 1]))
             for i, group in enumerate(("tooltips", "actions", "buttonTitles"))}
    with app.app_context(), app.test_request_context("/?lang=fr"):
        drawing = interface_labels()["drawing"]
    assert set(drawing) == set(known)
    assert {g: set(v) - known[g] for g, v in drawing.items()} == {g: set() for g in known}
    # The tools the editor shows (marker, line, polygon) have every string they use.
    assert {"drawMarkerButton", "drawPolyButton", "drawLineButton"} <= set(
        drawing["buttonTitles"])
    assert {"placeMarker", "firstVertex", "continueLine", "finishLine", "finishPoly"} <= set(
        drawing["tooltips"])


def _shown_in_api_docs(spec):
    """The texts the API docs page (templates/api/docs.html) shows from the document."""
    yield spec["info"]["title"]
    yield spec["info"]["description"]
    for item in spec["paths"].values():
        for method, op in item.items():
            for param in (item.get("parameters") or []) + (
                    op.get("parameters") or [] if method != "parameters" else []):
                yield param.get("description")
            if method == "parameters":
                continue
            yield op.get("summary")
            yield op.get("description")
            for response in op["responses"].values():
                yield response.get("description")


def test_api_docs_page_texts_are_in_the_catalogue():
    """The OpenAPI document stays English (a contract); the docs page translates what it
    shows, so each of those texts must be a marked (N_) message with a translation."""
    from app.api.openapi import openapi_document
    catalog = _catalogue()
    shown = {t for t in _shown_in_api_docs(openapi_document()) if t}
    assert sorted(t for t in shown if not (catalog.get(t) and catalog.get(t).string)) == []
