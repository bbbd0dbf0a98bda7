"""Synthetic but realistic corpora written with the project's own directives.

``write_corpus(path, needs)`` writes a Sphinx project of about ``needs`` needs:
policy pages of 20 rules, checklist pages of 20 items (each item verifies a
rule of its own policy and one of another policy), a responsibility matrix,
and the traceability and review pages. The configuration is the real site's
``conf.py``, so the same extensions, theme and settings are measured.
"""

from __future__ import annotations

import csv
import random
import re
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


# --- operating records: the real site plus a provider's year of records ---------------

#: Records per system: handoff and onboarding runs, quarterly restore tests, changes,
#: incidents; 200 systems make 10,000 records.
RUNS, RESTORE_TESTS, CHANGES, INCIDENTS = 2, 4, 30, 14
SEVERITIES = ("Critical", "High", "Medium", "Low")


def _checklist_items(source: Path, prefix: str) -> list[str]:
    """The item IDs of the real site's checklist with ``prefix``."""
    import re

    for page in source.rglob("*.md"):
        text = page.read_text()
        if f":id-prefix: {prefix}\n" in text:
            return re.findall(rf"^:id: ({prefix}-\d+)$", text, re.M)
    raise SystemExit(f"no checklist with prefix {prefix}")


def _day(rng: random.Random, month_low: int = 1, month_high: int = 11) -> str:
    return f"2026-{rng.randint(month_low, month_high):02d}-{rng.randint(1, 28):02d}"


def restore_test(number: int, system: int, day: str) -> str:
    return f"""# Restore test {number} of system {system}

:::{{restore-test}} RT-{number:05d}
:system: SYS-{system:03d}
:tested-on: {day}
:backup: Restic snapshot of the day before
:result: pass
:integrity-verified: yes
:tested-by: Operator {system % 7}
:::
"""


def write_records(source: Path, systems: int = 200, seed: int = 7) -> int:
    """Write ``systems`` managed systems and their records into the site at ``source``;
    return how many records were written."""
    rng = random.Random(seed)
    records = source / "records"
    items = {prefix: _checklist_items(source, prefix) for prefix in ("HAC", "ONB")}
    counts = {"run": 0, "rt": 0, "cr": 0, "inc": 0}
    written = 0

    def write(folder: str, name: str, text: str) -> None:
        nonlocal written
        (records / folder).mkdir(parents=True, exist_ok=True)
        (records / folder / f"{name}.md").write_text(text)
        written += 1

    for system in range(2, systems + 2):
        sid = f"SYS-{system:03d}"
        write(
            "systems",
            sid,
            f"""# System {system}

:::{{managed-system}} {sid}
:team: {"EGI" if system % 2 else "Mast"}
:status: managed
:accepted-on: 2026-01-{system % 28 + 1:02d}
:::
""",
        )
        for prefix in ("HAC", "ONB")[:RUNS]:
            counts["run"] += 1
            answers = "\n".join(f"{item}: done" for item in items[prefix])
            sign_off = (
                ":signed-off-by: Anchor MSP Operations Lead\n"
                ":signed-off-at: 2025-12-20T16:00+01:00\n"
                if prefix == "HAC"
                else ""
            )
            write(
                "checklist-runs",
                f"RUN-{counts['run']:05d}",
                f"""# {prefix} run for system {system}

:::{{checklist-run}} RUN-{counts["run"]:05d}
:checklist: {prefix}
:system: {sid}
:run-by: Operator {system % 7}
:run-at: 2025-12-20T10:00+01:00
{sign_off}{answers}
:::
""",
            )
        for quarter in range(RESTORE_TESTS):
            counts["rt"] += 1
            day = f"2026-{3 * quarter + 1:02d}-{rng.randint(1, 28):02d}"
            write(
                "restore-tests", f"RT-{counts['rt']:05d}", restore_test(counts["rt"], system, day)
            )
        for _ in range(CHANGES):
            counts["cr"] += 1
            day = _day(rng)
            write(
                "changes",
                f"CR-{counts['cr']:05d}",
                f"""# Change {counts["cr"]}

:::{{change}} CR-{counts["cr"]:05d}
:type: standard
:system: {sid}
:changes: alerting
:by: Operator {system % 7}
:documented: {day}T09:00+01:00
:executed: {day}T10:00+01:00
:why: Routine threshold update.
:rollback-plan: Restore the previous value.
:outcome: succeeded
:::
""",
            )
        for _ in range(INCIDENTS):
            counts["inc"] += 1
            day = _day(rng)
            write(
                "incidents",
                f"INC-{counts['inc']:05d}",
                f"""# Incident {counts["inc"]}

:::{{incident}} INC-{counts["inc"]:05d}
:detected: {day}T09:00+01:00
:severity: {SEVERITIES[2 + counts["inc"] % 2]}
:system: {sid}
:commander: Operator {system % 7}
:status: Closed
:resolved: {day}T11:00+01:00
:closed: {day}T15:00+01:00
:::
""",
            )
    return written


def add_one_record(source: Path, number: int) -> str:
    """Add restore test ``number`` for system 2; returns its ID, to check the rebuilt pages."""
    record_id = f"RT-{number:05d}"
    (source / "records" / "restore-tests" / f"{record_id}.md").write_text(
        restore_test(number, 2, "2026-11-30")
    )
    return record_id


#: The configuration of a project with no extension of ours: MyST pages, furo's theme.
STOCK_CONF = "project = 'stock'\nextensions = ['myst_parser']\nhtml_theme = 'furo'\n"

_OPTION = re.compile(r":([\w-]+):\s*(.*)")


def plain_page(text: str) -> str:
    """A record page as plain MyST: its title, and each field of its directive as a
    row of a Markdown table (an orphan page, as record pages are)."""
    lines, fields, inside = ["---", "orphan: true", "---"], [], False
    for line in text.splitlines():
        if line.startswith(":::{"):
            inside, fields = True, [("record", line.split("}", 1)[1].strip())]
        elif inside and line.startswith(":::"):
            inside = False
            lines += ["| Field | Value |", "|---|---|", *(f"| {k} | {v} |" for k, v in fields)]
        elif inside:
            match = _OPTION.match(line)
            fields.append((match[1], match[2] or "yes") if match else ("item", line))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def write_stock_records(records: Path, dest: Path) -> int:
    """The record pages under ``records`` as plain pages of a project with no extension
    of ours at ``dest``: what Sphinx, MyST and furo alone spend on as many pages."""
    written = 0
    for page in sorted(records.rglob("*.md")):
        target = dest / "records" / page.relative_to(records)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(plain_page(page.read_text()))
        written += 1
    (dest / "index.md").write_text("# Stock\n\nThe record pages, as plain pages.\n")
    (dest / "conf.py").write_text(STOCK_CONF)
    return written


#: The site's framework pages and the exports whose rows they show.
FRAMEWORK_PAGES = {
    "traceability/soc2": ("SOC 2", "criteria.csv", "soc2"),
    "traceability/iso27001": ("ISO/IEC 27001 Annex A", "criteria.csv", "iso27001"),
    "traceability/statement-of-applicability": ("Statement of Applicability", "soa.csv", None),
}
#: A need ID in a cell: a link, as the framework pages link every rule and item.
_NEED_ID = re.compile(r"\b([A-Z][A-Z0-9]{1,7}-[0-9]{2,5})\b")


def _markdown_table(rows: list[dict[str, str]], columns: list[str]) -> str:
    def cell(value: str) -> str:
        return _NEED_ID.sub(r"[\1](matrix.md)", value.replace("|", "\\|"))

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def write_plain_frameworks(source: Path, built: Path) -> dict[str, int]:
    """The site at ``source`` without its frameworks: its rules map to no criterion,
    and each framework page is written again as plain MyST, the rows the built site
    (``built``) exports for it as a Markdown table whose need IDs link. What Sphinx
    and MyST alone spend on the same tables; returns the rows per page."""
    for page in source.rglob("*.md"):
        text = page.read_text()
        if ":satisfies:" in text:
            page.write_text(re.sub(r"(?m)^:satisfies:.*\n", "", text))
    written = {}
    for page, (title, export, framework) in FRAMEWORK_PAGES.items():
        with (built / export).open(encoding="utf-8") as file:
            rows = [r for r in csv.DictReader(file) if framework in (None, r.get("Framework"))]
        columns = [c for c in rows[0] if c not in ("Framework", "Category", "Mapping")]
        body = f"# {title}\n\nThe rows of `{export}`, as a plain table.\n\n"
        (source / f"{page}.md").write_text(body + _markdown_table(rows, columns) + "\n")
        written[page] = len(rows)
    return written
