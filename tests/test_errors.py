"""Every authoring mistake stops the build with one warning at its file and line."""

from __future__ import annotations

import pytest

from conftest import root_pages, warnings_of

PAGES = root_pages("errors")
POLICY, CHECKLIST = PAGES["policy"], PAGES["checklist"]
MATRIX_ROWS = PAGES["matrix"][PAGES["matrix"].index("- id: RM-01") : PAGES["matrix"].rindex(":::")]

# (case, page, text to replace, replacement, line the warning points at, words it says)
CASES = [
    (
        "duplicate id",
        "policy",
        ":id: BKP-02",
        ":id: BKP-01",
        ":::{rule} Off-host storage",
        "The ID 'BKP-01' is used twice: BKP-01 is already the ID of a need at src/policy.md:"
        f"{POLICY.splitlines().index(':::{rule} Retention') + 1}",
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
        ":verifies: BKP-09",
        "'BKP-09', which is not the ID of any need",
    ),
    (
        "link to the wrong type",
        "checklist",
        ":verifies: BKP-01",
        ":verifies: CHK-02",
        ":verifies: CHK-02",
        "it may only link to a rule",
    ),
    (
        "link of a matrix row to an unknown id",
        "matrix",
        "governed-by: [BKP-01]",
        "governed-by: [BKP-07]",
        "- id: RM-01",
        "RM-01 governed_by 'BKP-07', which is not the ID of any need",
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
        ":owner: Bob",
        "The owner 'Bob' of the policy is not a declared role",
    ),
    (
        "unparsable date",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 04/04/2026",
        ":last-reviewed: 04/04/2026",
        "The last-reviewed date of the policy is '04/04/2026', which is not written as "
        "YYYY-MM-DD. Fix: write it as YYYY-MM-DD, e.g. 2026-04-04",
    ),
    (
        "impossible date",
        "checklist",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-13-01",
        ":last-reviewed: 2026-13-01",
        "The last-reviewed date of the checklist is '2026-13-01', which has month 13: months "
        "run from 01 to 12. Fix: correct the month, the middle part of YYYY-MM-DD",
    ),
    (
        "day 31 of April",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-04-31",
        ":last-reviewed: 2026-04-31",
        "The last-reviewed date of the policy is '2026-04-31', which has day 31: April 2026 "
        "has 30 days. Fix: correct the day, the last part of YYYY-MM-DD: 01 to 30",
    ),
    (
        "future date",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-12-01",
        ":last-reviewed: 2026-12-01",
        "is in the future (today is 2026-11-23)",
    ),
    (
        "unknown status",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-04-04\n:status: final",
        ":status: final",
        "The status 'final'",
    ),
    (
        "review interval not a number",
        "policy",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-04-04\n:review-interval: half a year",
        ":review-interval: half a year",
        "The review interval 'half a year' of the policy is not a number of months",
    ),
    (
        "ID prefix of the wrong form",
        "policy",
        ":id-prefix: BKP",
        ":id-prefix: bkp",
        ":id-prefix: bkp",
        "The ID prefix 'bkp' of the policy is not 2-8 upper-case",
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
    (
        "matrix that is not yaml",
        "matrix",
        "  accountable: Anchor\n",
        "  accountable: Anchor: Owns\n",
        "  accountable: Anchor: Owns",
        "The responsibility matrix is not valid YAML: mapping values are not allowed",
    ),
    (
        "matrix without rows",
        "matrix",
        MATRIX_ROWS,
        "",
        ":::{responsibility-matrix} Responsibility matrix",
        "The responsibility matrix has no rows",
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


# --- one mistake, one message --------------------------------------------------------

VULN = """# Vulnerability Policy

:::{policy}
:id-prefix: VULN
:owner: Anchor MSP Operations Lead
:last-reviewed: 2026-04-04
:::

## Purpose

Why the policy exists.

## Scope

What it covers.

## Policy

:::{rule} Scan weekly
:id: VULN-01
Scan every system weekly.
:::

:::{rule} Patch critical findings
:id: VULN-02
Patch critical findings within a week.
:::

## Exceptions

None.
"""

VULN_CHECKS = """# Vulnerability checks

::::{checklist} Vulnerability checks
:id-prefix: VCK
:owner: Anchor MSP Operations Lead
:last-reviewed: 2026-04-04

:::{item} Scan ran
:id: VCK-01
:verifies: VULN-01
:::

:::{item} Critical findings patched
:id: VCK-02
:verifies: VLUN-02
:::
::::
"""


def test_a_mistyped_link_is_one_warning_that_names_the_id_meant(build):
    """The typo is the cause; the coverage gap of the rule it meant is its consequence,
    and is not reported as a second mistake. The warning is at the option's line."""
    app = build({"policy": VULN, "checklist": VULN_CHECKS})
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    line = VULN_CHECKS.splitlines().index(":verifies: VLUN-02") + 1
    assert f"checklist.md:{line}: WARNING: " in warnings[0]
    assert (
        "VCK-02 verifies 'VLUN-02', which is not the ID of any need; did you mean VULN-02?"
        in (warnings[0])
    )
    assert "Fix: write VULN-02" in warnings[0]


def test_an_unknown_id_far_from_every_rule_suggests_nothing(build):
    app = build({"policy": VULN, "checklist": VULN_CHECKS.replace("VLUN-02", "ZZZ-99")})
    warnings = warnings_of(app)
    unknown = [w for w in warnings if "[anchor.unknown_link]" in w]
    assert len(unknown) == 1
    assert "did you mean" not in unknown[0]
    # nothing explains the gap of VULN-02 now: the gate reports it too
    assert any("[anchor.coverage_gap]" in w and "VULN-02" in w for w in warnings)


RUNBOOK_WITH_RULES = """# Restore runbook

How to restore a backup.

:::{rule} Restore monthly
:id: BKP-03
Restore one backup a month.
:::

:::{rule} Restore within a day
:id: BKP-04
Finish a restore within a day.
:::
"""


def test_rules_on_a_page_without_a_policy_are_one_warning_with_no_gap(build):
    app = build({**PAGES, "runbook": RUNBOOK_WITH_RULES})  # the coverage gate is on
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert (
        "runbook.md:5: WARNING: The rule 'BKP-03' is on a page with no policy (and so does "
        "every rule after it). Fix: move it into the Policy section of the policy whose ID "
        "prefix is BKP [anchor.rule_outside_policy]"
    ) in warnings[0]


def test_one_rule_on_a_page_without_a_policy_says_nothing_of_others(build):
    one_rule = RUNBOOK_WITH_RULES[: RUNBOOK_WITH_RULES.index(":::{rule} Restore within")]
    warnings = warnings_of(build({**PAGES, "runbook": one_rule}))
    assert len(warnings) == 1, warnings
    assert "The rule 'BKP-03' is on a page with no policy. Fix: move it" in warnings[0]


def test_rules_above_the_policy_directive_say_to_move_the_directive_up(build):
    rules = POLICY[POLICY.index(":::{rule}") : POLICY.index("## Exceptions")]
    policy = POLICY[POLICY.index(":::{policy}") : POLICY.index("## Purpose")]
    upside_down = POLICY.replace(rules, "").replace(policy, rules + policy)
    warnings = warnings_of(build({**PAGES, "policy": upside_down}))
    assert len(warnings) == 1, warnings
    line = upside_down.splitlines().index(":::{rule} Retention") + 1
    assert (
        f"policy.md:{line}: WARNING: The rule 'BKP-01' comes before the page's policy "
        "directive (and so does every rule after it). Fix: move the policy directive up, "
        "right under the page's title"
    ) in warnings[0]


#: A rule the coverage gate would report as a gap (no item verifies it).
EXEMPT_RULE = ":::{rule} Exempt hosts\n:id: BKP-03\nSome hosts need no backup.\n:::\n\n"


def test_a_rule_under_exceptions_is_one_warning_with_no_gap(build):
    under_exceptions = POLICY.replace("None.\n", EXEMPT_RULE + "None.\n")
    warnings = warnings_of(build({**PAGES, "policy": under_exceptions}))
    assert len(warnings) == 1, warnings  # and no coverage gap for BKP-03
    line = under_exceptions.splitlines().index(":::{rule} Exempt hosts") + 1
    assert (
        f"policy.md:{line}: WARNING: The rule 'BKP-03' is in the Exceptions section; a "
        "policy's rules are in its Policy section. Fix: move it, and any other rule of the "
        "Exceptions section, into the Policy section [anchor.rule_outside_policy]"
    ) in warnings[0]


def test_the_same_rule_in_the_policy_section_is_only_a_gap_the_gate_reports(build):
    in_policy = POLICY.replace("## Exceptions", EXEMPT_RULE + "## Exceptions")
    warnings = warnings_of(build({**PAGES, "policy": in_policy}))
    assert len(warnings) == 1, warnings
    assert "[anchor.coverage_gap]" in warnings[0] and "BKP-03" in warnings[0]


def test_an_exception_that_exempts_an_unknown_rule_is_reported(build, monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", "2026-11-03")  # the exception is in force
    exception = """# Exceptions

:::{policy-exception} Direct access
:id: EXC-01
:exempts: BKP-07
:system: Web
:approved-by: Anchor MSP Operations Lead
:start: 2026-11-02
:expires: 2026-11-06
Debugging.
:::
"""
    app = build({**PAGES, "exceptions": exception})
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    line = exception.splitlines().index(":exempts: BKP-07") + 1
    assert f"exceptions.md:{line}: WARNING: EXC-01 exempts 'BKP-07'" in warnings[0]


def test_a_duplicate_id_names_the_first_place_and_the_next_free_number(build):
    third = POLICY + ":::{rule} Encryption\n:id: BKP-01\nEncrypt backups.\n:::\n"
    app = build({**PAGES, "policy": third})
    duplicate = [w for w in warnings_of(app) if "used twice" in w]
    assert len(duplicate) == 1
    first = POLICY.splitlines().index(":::{rule} Retention") + 1
    assert f"already the ID of a need at src/policy.md:{first}" in duplicate[0]
    assert "the next free number of its prefix, BKP-03" in duplicate[0]


def test_the_next_free_number_follows_the_highest_never_a_gap(build):
    """BKP-01 and BKP-03 written (BKP-02 may have been used, then deleted): BKP-04."""
    gap = POLICY.replace(":id: BKP-02", ":id: BKP-03").replace("BKP-02", "BKP-03")
    third = gap + ":::{rule} Encryption\n:id: BKP-01\nEncrypt backups.\n:::\n"
    app = build({**PAGES, "policy": third, "checklist": CHECKLIST.replace("BKP-02", "BKP-03")})
    duplicate = [w for w in warnings_of(app) if "used twice" in w]
    assert len(duplicate) == 1, warnings_of(app)
    assert "the next free number of its prefix, BKP-04 " in duplicate[0]


def test_items_fenced_like_their_checklist_are_explained_as_a_fence_problem(build):
    """With as many colons as the checklist, the first item's closing fence closes the
    checklist: one warning that says so, not one per item left outside."""
    third = ":::{item} Backup encrypted\n:id: CHK-03\n:::\n"
    flat = CHECKLIST.replace("::::", ":::").replace(":::\n:::\n", ":::\n\n" + third + ":::\n")
    app = build({**PAGES, "checklist": flat}, anchor_coverage_gate=False)
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    # at the checklist's fence, which is the one to lengthen (items have 3 at least)
    line = flat.splitlines().index(":::{checklist} Backup checks") + 1
    assert (
        f"checklist.md:{line}: WARNING: The checklist 'Backup checks' is fenced with :::, no "
        "more colons than its items (:::), so its first item's closing fence closed it, and "
        "the items after that one, from 'CHK-02', are outside. Fix: open and close the "
        "checklist with ::::, one colon more than its items [anchor.item_outside_checklist]"
    ) in warnings[0]


def test_an_item_fenced_like_its_checklist_is_named_as_the_cause(build):
    """The checklist has ::::, one item too: the item's closing fence closes the checklist.
    The warning is at that item, not at the next one, which only stands outside."""
    long_item = CHECKLIST.replace(
        ":::{item} Retention set\n:id: CHK-01\n:verifies: BKP-01\n:::",
        "::::{item} Retention set\n:id: CHK-01\n:verifies: BKP-01\n::::",
    )
    assert long_item != CHECKLIST
    warnings = warnings_of(build({**PAGES, "checklist": long_item}, anchor_coverage_gate=False))
    assert len(warnings) == 1, warnings
    line = long_item.splitlines().index("::::{item} Retention set") + 1
    assert (
        f"checklist.md:{line}: WARNING: The item 'CHK-01' is fenced with ::::, as many colons "
        "as its checklist 'Backup checks' or more, so its closing fence closed the checklist, "
        "and the items after it, from 'CHK-02', are outside. Fix: open and close the item "
        "'CHK-01' with :::, fewer colons than the checklist [anchor.item_outside_checklist]"
    ) in warnings[0]


# --- page structure ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "## Scope\n\nWhat it covers.\n\n",
            "",
            "has no '## Scope' section. Fix: add '## Scope' after '## Purpose'",
        ),
        ("## Exceptions\n\nNone.\n", "", "has no '## Exceptions' section"),
        (
            "## Purpose\n\nWhy the policy exists.\n\n## Scope\n\nWhat it covers.\n",
            "## Scope\n\nWhat it covers.\n\n## Purpose\n\nWhy the policy exists.\n",
            "are in the order ['Scope', 'Purpose', 'Exceptions']. Fix: put them in the order "
            "Purpose, Scope, Exceptions",
        ),
    ],
    ids=["no scope", "no exceptions", "out of order"],
)
def test_a_policy_page_has_its_sections_in_order(build, old, new, says):
    assert old in POLICY
    app = build({**PAGES, "policy": POLICY.replace(old, new)})
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert "policy.md:1: WARNING: " in warnings[0]
    assert "policy page 'Backup Policy'" in warnings[0]
    assert says in warnings[0]


CHECKLIST_PAGE = CHECKLIST.replace("# Checks", "# Backup Checklist\n\n## Checklist")


def test_a_checklist_page_has_purpose_and_checklist(build):
    app = build({**PAGES, "checklist": CHECKLIST_PAGE})
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert "The checklist page 'Backup Checklist' has no '## Purpose' section" in warnings[0]


def test_a_checklist_page_with_both_sections_passes(build):
    fixed = CHECKLIST_PAGE.replace("## Checklist", "## Purpose\n\nWhy.\n\n## Checklist")
    assert warnings_of(build({**PAGES, "checklist": fixed})) == []


def test_a_page_without_a_title_is_told_to_start_with_one(build):
    app = build({**PAGES, "notes": "Some notes without a heading.\n"})
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert "notes.md:1: WARNING: The page has no title" in warnings[0]
    assert "start the page with its title as a '#' heading" in warnings[0]


def test_a_page_in_no_toctree_is_told_which_index_to_join(make_app, tmp_path):
    from conftest import FIXTURE_CONF

    srcdir = tmp_path / "src"
    (srcdir / "backups").mkdir(parents=True)
    (srcdir / "conf.py").write_text(FIXTURE_CONF)
    (srcdir / "index.md").write_text("# Index\n\n```{toctree}\nbackups/index\n```\n")
    (srcdir / "backups" / "index.md").write_text("# Backups\n\n```{toctree}\nplan\n```\n")
    (srcdir / "backups" / "plan.md").write_text("# Plan\n\nText.\n")
    (srcdir / "backups" / "restores.md").write_text("# Restores\n\nText.\n")
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert "backups/restores.md: WARNING: The page is in no toctree" in warnings[0]
    assert "Fix: list 'restores' in the toctree of src/backups/index.md" in warnings[0]
    assert "isn't included in any toctree" not in warnings[0]


def test_a_planned_page_that_exists_is_to_be_removed_from_the_list(build):
    app = build(
        {**PAGES, "plan": "# Disaster recovery plan\n\nText.\n"},
        anchor_planned_pages=[("Disaster recovery plan", "backups")],
    )
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert "plan.md:1: WARNING: The page 'Disaster recovery plan' exists now" in warnings[0]
    assert "remove ('Disaster recovery plan', ...) from anchor_planned_pages" in warnings[0]


@pytest.mark.parametrize(
    ("directive", "says"),
    [
        ("framework soc3", "There is no framework 'soc3'. Fix: use one of soc2, iso27001"),
        ("traceability matrx", "There is no traceability view 'matrx'. Fix: use one of "),
        ("record-register restore-tst", "There is no kind of record 'restore-tst'. Fix: use "),
    ],
    ids=["framework", "traceability view", "record register"],
)
def test_a_directive_naming_what_does_not_exist_is_one_warning_with_the_choices(
    build, directive, says
):
    name, argument = directive.split()
    page = f"# Views\n\nText.\n\n```{{{name}}} {argument}\n```\n"
    app = build({**PAGES, "views": page})
    found = warnings_of(app)
    assert len(found) == 1, found
    assert f"views.md:5: WARNING: {says}" in found[0]
    if name != "framework":
        known = "matrix" if name == "traceability" else "restore-test"
        assert known in found[0].split("Fix: use one of ")[1]
