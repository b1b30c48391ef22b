"""The DISARM Red framework: tactics and techniques that incidents cite by id.

Loads ``taxonomies/disarm/disarm.json`` (derived from the DISARM Foundation's STIX
bundle by ``taxonomies/disarm/derive.py``; CC BY-SA 4.0, see :data:`ATTRIBUTION`)
into immutable dataclasses, once per process. Pure: no Flask, no database.

>>> technique("t0002").name
'Facilitate State Propaganda'
>>> [t.id for t in search_techniques("t0111")]
['T0111', 'T0111.001', 'T0111.002', 'T0111.003']
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import List, Mapping, Optional, Tuple, Union

__all__ = [
    "ATTRIBUTION",
    "DISARM_JSON",
    "Disarm",
    "Tactic",
    "Technique",
    "load_disarm",
    "search_techniques",
    "tactic",
    "technique",
]

DISARM_JSON = Path(__file__).resolve().parents[2] / "taxonomies" / "disarm" / "disarm.json"

#: Credit line to show wherever DISARM names or descriptions are displayed.
ATTRIBUTION = "DISARM Red framework © DISARM Foundation, CC BY-SA 4.0"

_PAGES = "https://github.com/DISARMFoundation/DISARMframeworks/blob/main/generated_pages"


@dataclass(frozen=True)
class Tactic:
    """A DISARM tactic (``TA01``…): a stage of an influence operation."""

    id: str
    name: str
    shortname: str
    description: str

    @property
    def url(self) -> str:
        """The tactic's page in the DISARM framework repository."""
        return f"{_PAGES}/tactics/{self.id}.md"


@dataclass(frozen=True)
class Technique:
    """A DISARM technique (``T0002``) or sub-technique (``T0002.001``)."""

    id: str
    name: str
    tactics: Tuple[str, ...]
    parent: Optional[str]
    description: str

    @property
    def is_subtechnique(self) -> bool:
        """True for ``T####.###`` ids, which have a ``parent`` technique."""
        return self.parent is not None

    @property
    def label(self) -> str:
        """``"T0002: Facilitate State Propaganda"``, as DISARM writes references."""
        return f"{self.id}: {self.name}"

    @property
    def url(self) -> str:
        """The technique's page in the DISARM framework repository."""
        return f"{_PAGES}/techniques/{self.id}.md"


@dataclass(frozen=True)
class Disarm:
    """The whole framework: tactics and techniques sorted by id, with lookups."""

    tactics: Tuple[Tactic, ...]
    techniques: Tuple[Technique, ...]
    source: Mapping[str, str] = field(default_factory=dict, compare=False)
    _tactics: Mapping[str, Tactic] = field(init=False, repr=False, compare=False)
    _techniques: Mapping[str, Technique] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tactics", MappingProxyType({t.id: t for t in self.tactics}))
        object.__setattr__(
            self, "_techniques", MappingProxyType({t.id: t for t in self.techniques})
        )

    def tactic(self, tactic_id: str) -> Optional[Tactic]:
        """The tactic with this id (case-insensitive), or None."""
        return self._tactics.get(_normalize_id(tactic_id))

    def technique(self, technique_id: str) -> Optional[Technique]:
        """The technique with this id (case-insensitive), or None."""
        return self._techniques.get(_normalize_id(technique_id))

    def techniques_for(self, tactic_id: str) -> List[Technique]:
        """Techniques and sub-techniques under a tactic, by id."""
        wanted = _normalize_id(tactic_id)
        return [t for t in self.techniques if wanted in t.tactics]

    def subtechniques(self, technique_id: str) -> List[Technique]:
        """The sub-techniques of a technique, by id."""
        wanted = _normalize_id(technique_id)
        return [t for t in self.techniques if t.parent == wanted]

    def search(self, query: str, limit: int = 20) -> List[Technique]:
        """Techniques whose id starts with ``query`` or whose name contains it.

        Case-insensitive. Ranked: exact id, id prefix, name prefix, name substring;
        by id within each rank. A blank query or ``limit <= 0`` finds nothing.
        """
        q = " ".join((query or "").split()).casefold()
        if not q or limit <= 0:
            return []
        ranked = []
        for t in self.techniques:
            tid, name = t.id.casefold(), t.name.casefold()
            if tid == q:
                rank = 0
            elif tid.startswith(q):
                rank = 1
            elif name.startswith(q):
                rank = 2
            elif q in name:
                rank = 3
            else:
                continue
            ranked.append((rank, t))
        ranked.sort(key=lambda pair: pair[0])  # stable: keeps id order within a rank
        return [t for _, t in ranked[:limit]]


def _normalize_id(value: str) -> str:
    return (value or "").strip().upper()


@lru_cache(maxsize=4)
def _load(path: Path) -> Disarm:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    tactics = tuple(
        Tactic(
            id=t["id"],
            name=t["name"],
            shortname=t["shortname"],
            description=t.get("description", ""),
        )
        for t in data["tactics"]
    )
    techniques = tuple(
        Technique(
            id=t["id"],
            name=t["name"],
            tactics=tuple(t["tactics"]),
            parent=t.get("parent"),
            description=t.get("description", ""),
        )
        for t in data["techniques"]
    )
    return Disarm(
        tactics=tactics,
        techniques=techniques,
        source=MappingProxyType(dict(data.get("source", {}))),
    )


def load_disarm(path: Union[str, Path, None] = None) -> Disarm:
    """The DISARM framework from ``path`` (default :data:`DISARM_JSON`), cached."""
    return _load(Path(path or DISARM_JSON).resolve())


def tactic(tactic_id: str) -> Optional[Tactic]:
    """The tactic with this id (``"TA01"``, case-insensitive), or None."""
    return load_disarm().tactic(tactic_id)


def technique(technique_id: str) -> Optional[Technique]:
    """The technique with this id (``"T0002"``, ``"t0002.001"``), or None."""
    return load_disarm().technique(technique_id)


def search_techniques(query: str, limit: int = 20) -> List[Technique]:
    """Techniques matching ``query`` by id prefix or name substring, best first.

    See :meth:`Disarm.search`.
    """
    return load_disarm().search(query, limit)
