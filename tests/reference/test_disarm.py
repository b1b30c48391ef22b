"""app.reference.disarm and the derivation of taxonomies/disarm/disarm.json."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from app.reference.disarm import (
    ATTRIBUTION,
    DISARM_JSON,
    Disarm,
    Tactic,
    Technique,
    load_disarm,
    search_techniques,
    tactic,
    technique,
)

ROOT = Path(__file__).resolve().parents[2]
DERIVE = ROOT / "taxonomies" / "disarm" / "derive.py"
SHARED_BUNDLE = ROOT.parent / "shared" / "taxonomies" / "disarm" / "DISARM.json"


def load_derive_module():
    spec = importlib.util.spec_from_file_location("disarm_derive", DERIVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_counts_match_the_stix_bundle():
    """16 tactics and 391 techniques: 103 techniques plus 288 sub-techniques."""
    d = load_disarm()
    assert isinstance(d, Disarm)
    assert len(d.tactics) == 16
    assert len(d.techniques) == 391
    assert sum(t.is_subtechnique for t in d.techniques) == 288
    assert all(isinstance(t, Tactic) for t in d.tactics)
    assert all(isinstance(t, Technique) for t in d.techniques)


def test_loaded_once_and_immutable():
    d = load_disarm()
    assert load_disarm() is d
    assert load_disarm(DISARM_JSON) is d
    with pytest.raises(AttributeError):
        d.techniques[0].name = "changed"


def test_ids_well_formed_and_sorted():
    d = load_disarm()
    tactic_ids = [t.id for t in d.tactics]
    technique_ids = [t.id for t in d.techniques]
    assert tactic_ids[0] == "TA01" and tactic_ids[-1] == "TA18"
    assert all(re.fullmatch(r"TA\d\d", i) for i in tactic_ids)
    assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", i) for i in technique_ids)
    assert tactic_ids == sorted(tactic_ids) and len(set(tactic_ids)) == 16
    assert technique_ids == sorted(technique_ids) and len(set(technique_ids)) == 391


def test_t0002():
    t = technique("T0002")
    assert t is not None
    assert t.name == "Facilitate State Propaganda"
    assert t.tactics == ("TA02",)
    assert t.parent is None and not t.is_subtechnique
    assert t.description.startswith("Organise citizens around pro-state messaging.")
    assert t.label == "T0002: Facilitate State Propaganda"
    assert t.url.endswith("/techniques/T0002.md")
    assert technique(" t0002 ") is t


def test_unknown_ids():
    assert technique("T9999") is None
    assert technique("") is None
    assert tactic("TA03") is None  # DISARM retired TA03 and TA04


def test_every_technique_links_to_known_tactics():
    d = load_disarm()
    for t in d.techniques:
        assert t.tactics, t.id
        for tid in t.tactics:
            assert d.tactic(tid) is not None, (t.id, tid)
    assert {tid for t in d.techniques for tid in t.tactics} == {t.id for t in d.tactics}
    assert tactic("TA02").name == "Plan Objectives"
    assert tactic("ta02").shortname == "plan-objectives"
    assert technique("T0002") in d.techniques_for("TA02")


def test_subtechniques_point_at_their_parent():
    d = load_disarm()
    for t in d.techniques:
        if "." in t.id:
            parent = d.technique(t.parent)
            assert parent is not None and parent.parent is None
            assert t.id.startswith(parent.id + ".")
            assert t.tactics == parent.tactics
        else:
            assert t.parent is None
    sub = technique("T0097.111")
    assert sub.name == "Government Official Persona" and sub.parent == "T0097"
    assert [t.id for t in d.subtechniques("T0111")] == ["T0111.001", "T0111.002", "T0111.003"]


def test_descriptions_are_short_plain_text():
    for t in load_disarm().techniques:
        assert t.description
        assert len(t.description) <= 300
        assert "<" not in t.description and "\xa0" not in t.description


def test_search_by_id_prefix():
    assert [t.id for t in search_techniques("T0002")] == ["T0002"]
    assert [t.id for t in search_techniques("t0111")] == [
        "T0111",
        "T0111.001",
        "T0111.002",
        "T0111.003",
    ]
    # An exact id ranks first, then the longer ids it prefixes.
    assert search_techniques("T0097.1")[0].id.startswith("T0097.1")


def test_search_by_name_substring_case_insensitive():
    found = search_techniques("PROPAGANDA")
    assert "T0002" in [t.id for t in found]
    for t in search_techniques("persona"):
        assert "persona" in t.name.lower()
    # Names starting with the query come before names merely containing it.
    names = [t.name.lower() for t in search_techniques("fake")]
    starts = [n.startswith("fake") for n in names]
    assert starts == sorted(starts, reverse=True)


def test_search_limit_and_blank_query():
    assert len(search_techniques("t0", limit=20)) == 20
    assert len(search_techniques("t0", limit=500)) == 391
    assert len(search_techniques("a", limit=3)) == 3
    assert search_techniques("") == []
    assert search_techniques("   ") == []
    assert search_techniques("zzzz-no-such-technique") == []
    assert search_techniques("t0", limit=0) == []


def test_attribution_and_licence_beside_the_data():
    d = load_disarm()
    assert d.source["license"] == "CC-BY-SA-4.0"
    assert "DISARM Foundation" in d.source["attribution"]
    assert "DISARM Foundation" in ATTRIBUTION
    folder = DISARM_JSON.parent
    assert "Attribution-ShareAlike 4.0" in (folder / "LICENSE.md").read_text(encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "49df5f6" in readme and "DISARM Foundation" in readme


def test_derive_on_a_small_bundle():
    derive = load_derive_module()
    bundle = {
        "type": "bundle",
        "objects": [
            {
                "type": "x-mitre-tactic",
                "id": "x-mitre-tactic--1",
                "name": "Plan Objectives",
                "x_mitre_shortname": "plan-objectives",
                "description": "Set objectives.<br><br>More.",
                "external_references": [{"source_name": "DISARM", "external_id": "TA02"}],
            },
            {
                "type": "attack-pattern",
                "id": "attack-pattern--b",
                "name": "Child",
                "description": "<b>Bold</b>&nbsp;first\xa0para.<br />Second.",
                "kill_chain_phases": [{"phase_name": "plan-objectives"}],
                "external_references": [{"external_id": "T0002.001"}],
            },
            {
                "type": "attack-pattern",
                "id": "attack-pattern--a",
                "name": "Parent",
                "description": "word " * 100,
                "kill_chain_phases": [{"phase_name": "plan-objectives"}],
                "external_references": [{"external_id": "T0002"}],
            },
            {
                "type": "relationship",
                "relationship_type": "subtechnique-of",
                "source_ref": "attack-pattern--b",
                "target_ref": "attack-pattern--a",
            },
        ],
    }
    doc = derive.derive(bundle)
    assert doc["tactics"] == [
        {
            "id": "TA02",
            "name": "Plan Objectives",
            "shortname": "plan-objectives",
            "description": "Set objectives.",
        }
    ]
    parent, child = doc["techniques"]
    assert (parent["id"], parent["parent"], parent["tactics"]) == ("T0002", None, ["TA02"])
    assert len(parent["description"]) <= 300 and parent["description"].endswith("…")
    assert child == {
        "id": "T0002.001",
        "name": "Child",
        "tactics": ["TA02"],
        "parent": "T0002",
        "description": "Bold first para.",
        "stix": {"id": "attack-pattern--b",
                 "kill_chain_phases": [{"phase_name": "plan-objectives"}],
                 "external_references": [{"external_id": "T0002.001"}]},
    }
    assert json.loads(derive.dumps(doc)) == doc

    bundle["objects"][1]["kill_chain_phases"] = [{"phase_name": "no-such-phase"}]
    with pytest.raises(derive.BundleError, match="T0002.001"):
        derive.derive(bundle)


@pytest.mark.skipif(not SHARED_BUNDLE.exists(), reason="shared DISARM bundle not beside the repo")
def test_disarm_json_is_up_to_date_with_the_bundle():
    """disarm.json is exactly what derive.py makes of the shared STIX bundle."""
    derive = load_derive_module()
    expected = derive.dumps(derive.derive(json.loads(SHARED_BUNDLE.read_text(encoding="utf-8"))))
    assert DISARM_JSON.read_text(encoding="utf-8") == expected
