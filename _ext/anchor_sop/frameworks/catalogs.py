"""The frameworks an audit is against, by ID: SOC 2's Trust Services Criteria and
ISO/IEC 27001:2022 Annex A (``catalogs/*.yaml``).

Both texts are copyrighted. A catalog holds each criterion's or control's ID,
its category, and a short description the project wrote; the edition and
where the standard is published. An organisation that holds the standard may
name a local file of the official titles (``anchor_framework_titles``: a YAML
mapping of ID to title, never committed); the pages show them beside the
project's descriptions when it is there.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import yaml
from sphinx.application import Sphinx

from .. import yamldata
from ..diagnostics import report
from ..model import spellings

CATALOG_FOLDER = Path(__file__).parent / "catalogs"
#: The frameworks, by the name a page gives them: ``{framework} soc2``.
SOC2, ISO27001 = "soc2", "iso27001"
FRAMEWORKS = (SOC2, ISO27001)


@dataclass(frozen=True)
class Criterion:
    id: str
    framework: str
    #: Its category's ID and name (CC7, "System operations"; A.8, "Technological controls").
    category: str
    category_name: str
    #: The project's own description (never the standard's wording).
    description: str


@dataclass(frozen=True)
class Catalog:
    framework: str
    name: str
    edition: str
    published: str
    criteria: tuple[Criterion, ...]

    @property
    def categories(self) -> list[tuple[str, str]]:
        """(ID, name) of each category, in the catalog's order."""
        return list(dict.fromkeys((c.category, c.category_name) for c in self.criteria))

    @cached_property
    def by_id(self) -> dict[str, Criterion]:
        return {c.id: c for c in self.criteria}


def _category(criterion_id: str, categories: dict[str, str]) -> str:
    """The longest category ID the criterion's ID starts with (A1.2 is A1's, not A's)."""
    return max((c for c in categories if criterion_id.startswith(c)), key=len)


@cache
def catalog(framework: str) -> Catalog:
    data = yamldata.load((CATALOG_FOLDER / f"{framework}.yaml").read_text(encoding="utf-8"))
    categories = data["categories"]
    criteria = []
    for criterion_id, description in data["entries"].items():
        category = _category(criterion_id, categories)
        criteria.append(
            Criterion(criterion_id, framework, category, categories[category], description)
        )
    return Catalog(framework, data["name"], data["edition"], data["published"], tuple(criteria))


def closest(criterion_id: str, framework: str) -> str | None:
    """The one ID of ``framework`` a mistyped one was meant as: one of its
    :func:`spellings`, else the only close one."""
    known = catalog(framework).by_id
    guess = next((g for g in spellings(criterion_id) if g in known), None)
    if guess is not None:
        return guess
    close = difflib.get_close_matches(criterion_id, known, n=2, cutoff=0.75)
    return close[0] if len(close) == 1 else None


def official_titles(app: Sphinx) -> dict[str, str]:
    """The official titles from the local file ``anchor_framework_titles`` (relative to
    the configuration folder), read once; none when it is not set or not there."""
    path = app.config.anchor_framework_titles
    if not path:
        return {}
    file = Path(app.confdir, path)
    if not file.is_file():
        return {}
    fix = "write one 'ID: title' line per control, e.g. 'A.8.13: <title>'"
    try:
        root = yamldata.compose(file.read_text(encoding="utf-8"))
        titles = {} if root is None else yamldata.construct(root)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        report(
            f"{file}:{mark.line + 1 if mark else 1}",
            "framework_titles",
            f"The official titles file is not YAML ({getattr(error, 'problem', error)})",
            fix,
        )
        return {}
    if not isinstance(titles, dict):
        report(f"{file}:1", "framework_titles", "The official titles file is not a mapping", fix)
        return {}
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in root.value}
    known = {c.id for framework in FRAMEWORKS for c in catalog(framework).criteria}
    for unknown in (str(k) for k in titles if str(k) not in known):
        guess = next(filter(None, (closest(unknown, f) for f in FRAMEWORKS)), None)
        report(
            f"{file}:{lines.get(unknown, 1)}",
            "framework_titles",
            f"The official titles file names {unknown!r}, which is no criterion or control"
            + (f"; did you mean {guess}?" if guess else ""),
            f"write {guess}" if guess else "write the ID as the catalog has it, e.g. A.8.13",
        )
    return {str(k): " ".join(str(v).split()) for k, v in titles.items() if str(k) in known}
