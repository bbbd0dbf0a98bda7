"""Every authoring mistake stops the build with one warning at its file and line."""

from __future__ import annotations

import pytest

from conftest import warnings_of

POLICY = """# Backup Policy

:::{policy}
:id-prefix: BKP
:owner: Anchor MSP Operations Lead
:last-reviewed: 2026-04-04
:::

:::{rule} Retention
:id: BKP-01
Keep 7 daily backups.
:::

:::{rule} Off-host storage
:id: BKP-02
:not-verifiable: The backup system checks it.
Store backups off-host.
:::
"""

CHECKLIST = """# Checks

::::{checklist} Backup checks
:id-prefix: CHK
:owner: Anchor MSP Operations Lead
:last-reviewed: 2026-04-04

:::{item} Retention set
:id: CHK-01
:verifies: BKP-01
:::

:::{item} Backup restored
:id: CHK-02
:::
::::
"""

MATRIX = """# Ownership

:::{responsibility-matrix} Responsibility matrix
:id-prefix: RM
:parties: Anchor, EGI / Mast

- id: RM-01
  domain: Backups and restore
  accountable: Anchor
  cells: {Anchor: Owns, EGI / Mast: Identifies backup-eligible data}
  governed-by: [BKP-01]
:::
"""

PAGES = {"policy": POLICY, "checklist": CHECKLIST, "matrix": MATRIX}

# (case, page, text to replace, replacement, line the warning points at, words it says)
CASES = [
    (
        "duplicate id",
        "policy",
        ":id: BKP-02",
        ":id: BKP-01",
        ":::{rule} Off-host storage",
        "A need with ID 'BKP-01' already exists",
    ),
    (
        "id off the scheme",
        "policy",
        ":id: BKP-02",
        ":id: BKP-2",
        ":::{rule} Off-host storage",
        "does not match the ID scheme",
    ),
    (
        "id off the document prefix",
        "policy",
        ":id: BKP-02",
        ":id: BCK-02",
        ":::{rule} Off-host storage",
        "does not start with its document's prefix 'BKP'",
    ),
    (
        "link to an unknown id",
        "checklist",
        ":verifies: BKP-01",
        ":verifies: BKP-09",
        ":::{item} Retention set",
        "'BKP-09', which is not the ID of any need",
    ),
    (
        "link to the wrong type",
        "checklist",
        ":verifies: BKP-01",
        ":verifies: CHK-02",
        ":::{item} Retention set",
        "it may only link to a rule",
    ),
    (
        "missing owner",
        "policy",
        ":owner: Anchor MSP Operations Lead\n",
        "",
        ":::{policy}",
        "The policy has no owner",
    ),
    (
        "unknown owner role",
        "policy",
        ":owner: Anchor MSP Operations Lead",
        ":owner: Bob",
        ":::{policy}",
        "The owner 'Bob' of the policy is not a declared role",
    ),
    (
        "unparsable date",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 04/04/2026",
        ":::{policy}",
        "is not a date in ISO 8601 form",
    ),
    (
        "impossible date",
        "checklist",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-13-01",
        "::::{checklist} Backup checks",
        "is not a date",
    ),
    (
        "future date",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-12-01",
        ":::{policy}",
        "is in the future (today is 2026-11-23)",
    ),
    (
        "unknown status",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-04-04\n:status: final",
        ":::{policy}",
        "The status 'final'",
    ),
    (
        "unknown option",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-04-04\n:colour: red",
        ":colour: red",
        "Unknown option key: 'colour'",
    ),
    (
        "empty checklist",
        "checklist",
        CHECKLIST[CHECKLIST.index(":::{item}") : CHECKLIST.rindex("::::")],
        "",
        "::::{checklist} Backup checks",
        "The checklist 'Backup checks' has no items",
    ),
    (
        "matrix row missing a party",
        "matrix",
        ", EGI / Mast: Identifies backup-eligible data}",
        "}",
        "- id: RM-01",
        "has no value for the party 'EGI / Mast'",
    ),
    (
        "matrix row with an unknown party",
        "matrix",
        "{Anchor: Owns,",
        "{Anchor: Owns, Vendor: Helps,",
        "- id: RM-01",
        "names the party 'Vendor', which is not declared",
    ),
    (
        "matrix domain with no accountable party",
        "matrix",
        "  accountable: Anchor\n",
        "",
        "- id: RM-01",
        "has 0 accountable parties",
    ),
    (
        "matrix domain with two accountable parties",
        "matrix",
        "accountable: Anchor",
        "accountable: [Anchor, EGI / Mast]",
        "- id: RM-01",
        "has 2 accountable parties",
    ),
]


def test_the_base_project_is_clean(build):
    assert warnings_of(build(PAGES)) == []


# -j 2 reads the pages in two shares, one in a worker process (parallel.py)
@pytest.mark.parametrize("parallel", [1, 2], ids=["serial", "-j2"])
@pytest.mark.parametrize(
    ("page", "old", "new", "where", "says"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_mistake_gives_one_warning_at_its_place(
    build, monkeypatch, page, old, new, where, says, parallel
):
    monkeypatch.setenv("ANCHOR_TODAY", "2026-11-23")
    assert old in PAGES[page]
    broken = PAGES[page].replace(old, new, 1)
    line = broken.splitlines().index(where) + 1
    # the coverage gate (tested in test_traceability) would also report the rule a
    # broken link leaves unverified
    app = build({**PAGES, page: broken}, parallel=parallel, anchor_coverage_gate=False)
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert f"{page}.md:{line}: WARNING: " in warnings[0]
    assert says in warnings[0]
    assert "Traceback" not in warnings[0]
    if "Unknown option" not in says:  # MyST's own message lists the known options instead
        assert ". Fix: " in warnings[0]


def test_content_of_a_rule_with_a_bad_id_is_still_rendered(build):
    app = build({**PAGES, "policy": POLICY.replace(":id: BKP-02", ":id: bkp")})
    html = (app.outdir / "policy.html").read_text()
    assert "Store backups off-host." in html
