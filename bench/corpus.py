"""Synthetic but realistic corpora written with the project's own directives.

``write_corpus(path, needs)`` writes a Sphinx project of about ``needs`` needs:
policy pages of 20 rules, checklist pages of 20 items (each item verifies a
rule of its own policy and one of another policy), a responsibility matrix,
and the traceability and review pages. The configuration is the real site's
``conf.py``, so the same extensions, theme and settings are measured.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PER_PAGE = 20
OWNER = "Anchor MSP Operations Lead"

CONF = f"""
__file__ = {str(REPO / "conf.py")!r}
exec(compile(open(__file__).read(), __file__, "exec"))
# the synthetic links have no reviewed baseline: measure them as unreviewed
anchor_trace_baseline = ""
"""

VIEWS = ("summary", "coverage", "matrix", "reverse", "gaps", "responsibility")


def policy_page(index: int) -> str:
    prefix = f"P{index:04d}"
    rules = "\n".join(
        f""":::{{rule}} Rule {number} of policy {index}
:id: {prefix}-{number:02d}
Operators keep control {number} of area {index} in place, and record each check
of it in the system's runbook. Exceptions need written approval.
:::
"""
        for number in range(1, PER_PAGE + 1)
    )
    return f"""# Policy {index}

:::{{policy}}
:id-prefix: {prefix}
:owner: {OWNER}
:last-reviewed: 2026-04-04
:::

## Purpose

Keep area {index} of managed production under control.

## Scope

Every managed system.

## Policy

{rules}
## Exceptions

Request an exception in writing from the {OWNER}.
"""


def checklist_page(index: int, policies: int, rng: random.Random) -> str:
    prefix = f"C{index:04d}"
    items = []
    for number in range(1, PER_PAGE + 1):
        other = rng.randrange(1, policies + 1)
        targets = sorted({f"P{index:04d}-{number:02d}", f"P{other:04d}-{rng.randrange(1, 21):02d}"})
        items.append(f""":::{{item}} Check {number} of checklist {index}
:id: {prefix}-{number:02d}
:verifies: {", ".join(targets)}
The control is in place and its last check is recorded.
:::
""")
    return f"""# Checklist {index}

::::{{checklist}} Checklist {index}
:id-prefix: {prefix}
:owner: {OWNER}
:last-reviewed: 2026-04-04

{"".join(items)}::::
"""


def matrix_page(policies: int) -> str:
    rows = "\n".join(
        f"""- id: RM-{row:02d}
  domain: Domain {row}
  accountable: Anchor
  cells: {{Anchor: Owns, EGI / Mast: "—"}}
  governed-by: [P{min(row, policies):04d}-01]"""
        for row in range(1, 13)
    )
    return f"""# Responsibility

:::{{responsibility-matrix}} Responsibility matrix
:id-prefix: RM
:parties: Anchor, EGI / Mast

{rows}
:::
"""


def write_corpus(path: Path, needs: int, seed: int = 7) -> dict[str, int]:
    """Write the project; returns its shape (pages, needs)."""
    rng = random.Random(seed)
    pairs = max(1, round((needs - 12) / (2 * PER_PAGE)))
    if path.exists():
        shutil.rmtree(path)
    (path / "policies").mkdir(parents=True)
    (path / "checklists").mkdir()
    (path / "conf.py").write_text(CONF)
    for index in range(1, pairs + 1):
        (path / "policies" / f"policy-{index:04d}.md").write_text(policy_page(index))
        (path / "checklists" / f"checklist-{index:04d}.md").write_text(
            checklist_page(index, pairs, rng)
        )
    (path / "matrix.md").write_text(matrix_page(pairs))
    for view in VIEWS:
        (path / f"trace-{view}.md").write_text(f"# {view}\n\n```{{traceability}} {view}\n```\n")
    (path / "review-status.md").write_text("# Review status\n\n```{review-status}\n```\n")
    (path / "intro.md").write_text(
        "# Synthetic manual\n\n```{toctree}\n:maxdepth: 1\n\npolicies/index\nchecklists/index\n"
        "matrix\nreview-status\n" + "\n".join(f"trace-{v}" for v in VIEWS) + "\n```\n"
    )
    for folder in ("policies", "checklists"):
        names = sorted(p.stem for p in (path / folder).glob("*.md") if p.stem != "index")
        (path / folder / "index.md").write_text(
            f'---\nsummary: "{folder}"\n---\n\n# {folder.title()}\n\n```{{toctree}}\n'
            ":maxdepth: 1\n\n" + "\n".join(names) + "\n```\n"
        )
    # the section cards of the landing page are not part of this corpus
    return {"pages": 2 * pairs + 10, "needs": 2 * pairs * PER_PAGE + 12}


def edit_one_rule(path: Path) -> str:
    """Retitle rule P0001-01 (or back); returns its new title, to check the rebuilt pages."""
    page = path / "policies" / "policy-0001.md"
    text = page.read_text()
    marker = ":::{rule} Rule 1 of policy 1\n"
    if marker in text:
        new = "Rule 1 of policy 1, retitled"
        page.write_text(text.replace(marker, f":::{{rule}} {new}\n"))
    else:
        new = "Rule 1 of policy 1"
        page.write_text(text.replace(":::{rule} Rule 1 of policy 1, retitled\n", marker))
    return new
