"""Operating records: each malformed record is one located warning; each finding is
found at its boundary; an added record reaches every page that shows it."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from bs4 import BeautifulSoup

from conftest import readme_snippets, root_pages, warnings_of, write_pages

PAGES = root_pages("evidence")
POLICY = PAGES["policy"]
SYSTEM = PAGES["records/systems/SYS-01"]
RESTORE_TEST = PAGES["records/restore-tests/RT-001"]
EMERGENCY = PAGES["records/changes/CR-001"]
INCIDENT = PAGES["records/incidents/INC-001"]
POSTMORTEM = PAGES["records/postmortems/PM-001"]
RUN = PAGES["records/checklist-runs/RUN-001"]
REGISTERS = PAGES["registers"]

TODAY = "2026-04-20"


def findings(app) -> list[list[str]]:
    text = (app.outdir / "findings.csv").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))[1:]


@pytest.fixture
def evidence_build(build, monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", TODAY)

    def _build(pages=None, parallel=1, **overrides):
        return build({**PAGES, **(pages or {})}, parallel=parallel, **overrides)

    return _build


def test_the_records_project_is_clean_and_every_rule_is_met(evidence_build):
    app = evidence_build()
    assert warnings_of(app) == []
    assert findings(app) == []
    html = (app.outdir / "policy.html").read_text()
    assert html.count(">met<") == 5
    assert ">not applicable<" not in html  # a not-verifiable rule shows no evidence line


# (case, page, text, replacement, the line's text the warning points at, words it says)
MALFORMED = [
    (
        "unknown system",
        "records/restore-tests/RT-001",
        ":system: SYS-01",
        ":system: SYS-02",
        ":system: SYS-02",
        "'SYS-02', which is not the ID of any need",
    ),
    (
        "unknown checklist",
        "records/checklist-runs/RUN-001",
        ":checklist: HOC",
        ":checklist: HOK",
        ":checklist: HOK",
        "did you mean HOC?",
    ),
    (
        "item not in the checklist",
        "records/checklist-runs/RUN-001",
        "HOC-01: done",
        "HOC-01: done\nHOC-07: done",
        "HOC-07: done",
        "HOC-07 is not an item of the checklist",
    ),
    (
        "item without an answer",
        "records/checklist-runs/RUN-001",
        "HOC-01: done\n",
        "",
        ":::{checklist-run} RUN-001",
        "gives no result for HOC-01",
    ),
    (
        "not applicable without a reason",
        "records/checklist-runs/RUN-001",
        'HOC-02: {result: not applicable, note: "no backups yet"}',
        "HOC-02: not applicable",
        "HOC-02: not applicable",
        "without a note",
    ),
    (
        "date not ISO 8601",
        "records/restore-tests/RT-001",
        ":tested-on: 2026-03-02",
        ":tested-on: 02/03/2026",
        ":tested-on: 02/03/2026",
        "The field 'Tested on' of RT-001 is '02/03/2026', which is not written as YYYY-MM-DD",
    ),
    (
        "a run time in month 13",
        "records/checklist-runs/RUN-001",
        ":run-at: 2026-01-04T10:00+01:00",
        ":run-at: 2026-13-04T10:00+01:00",
        ":run-at: 2026-13-04T10:00+01:00",
        "The field 'Run at' of RUN-001 is '2026-13-04T10:00+01:00', which has month 13: "
        "months run from 01 to 12. Fix: correct the month, the middle part of "
        "YYYY-MM-DDTHH:MM",
    ),
    (
        "date and time without its offset",
        "records/changes/CR-001",
        ":executed: 2026-03-02T10:00+01:00",
        ":executed: 2026-03-02T10:00",
        ":executed: 2026-03-02T10:00",
        "The field 'When (executed)' of CR-001 is '2026-03-02T10:00', which has no offset from "
        "UTC, so the moment is unknown. Fix: add the offset at the end",
    ),
    (
        "severity outside the list",
        "records/incidents/INC-001",
        ":severity: High",
        ":severity: Severe",
        ":severity: Severe",
        "not one of Critical, High, Medium, Low",
    ),
    (
        "status needs a field",
        "records/incidents/INC-001",
        ":status: Resolved",
        ":status: Closed",
        ":::{incident} INC-001",
        "The incident INC-001 has no 'Closed' (:closed:), which it needs when its 'Status' is "
        "Closed. Fix: add ':closed:'",
    ),
    (
        "no sign-off where the checklist needs one",
        "records/checklist-runs/RUN-001",
        ":signed-off-by: Anchor MSP Operations Lead\n:signed-off-at: 2026-01-04T16:00+01:00\n",
        "",
        ":::{checklist-run} RUN-001",
        "needs a sign-off",
    ),
    (
        "failed restore test names no incident",
        "records/restore-tests/RT-001",
        ":result: pass",
        ":result: fail",
        ":::{restore-test} RT-001",
        "The restore test RT-001 has no 'Incident' (:incident:), which it needs when its "
        "'Result' is fail. Fix: add ':incident:'",
    ),
    (
        "unknown field in a requirement",
        "policy",
        ":requires: result is pass;",
        ":requires: outcome is pass;",
        ":requires: outcome is pass; every 3 months per system",
        "A restore-test has no field 'outcome'",
    ),
    (
        "unknown condition",
        "policy",
        "documented within 24 hours of executed",
        "documented soon after executed",
        ":requires: documented soon after executed",
        "is not one the build knows",
    ),
    (
        "hours counted on a date",
        "policy",
        "postmortem within 5 business days of resolved",
        "postmortem within 5 hours of resolved",
        ":requires: postmortem within 5 hours of resolved",
        "is a date, counted in hours",
    ),
    (
        "unknown checklist in evidence",
        "policy",
        "where checklist is HOC",
        "where checklist is HOX",
        ":evidence: checklist-run where checklist is HOX",
        "which no checklist has as its ID prefix",
    ),
    (
        "unknown record kind",
        "policy",
        ":evidence: restore-test\n",
        ":evidence: restore-tst\n",
        ":evidence: restore-tst",
        "does not name a kind of record",
    ),
]


@pytest.mark.parametrize(
    ("page", "old", "new", "where", "says"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_record_is_one_warning_at_its_line(evidence_build, page, old, new, where, says):
    assert old in PAGES[page]
    broken = PAGES[page].replace(old, new, 1)
    line = broken.splitlines().index(where) + 1
    app = evidence_build({page: broken}, anchor_coverage_gate=False)
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert f"{page}.md:{line}: WARNING: " in warnings[0]
    assert says in warnings[0]
    assert ". Fix: " in warnings[0]
    assert "Traceback" not in warnings[0]


def test_a_skipped_incident_number_is_one_warning_naming_the_missing_one(evidence_build):
    pages = {
        "records/incidents/INC-003": INCIDENT.replace("INC-001", "INC-003").replace(
            ":postmortem: PM-001\n", ""
        )
    }
    warnings = warnings_of(evidence_build(pages))
    assert len(warnings) == 1, warnings
    assert "records/incidents/INC-003.md:3: WARNING: " in warnings[0]
    assert "INC-002 is missing" in warnings[0]


def test_a_record_outside_its_folder_is_told_where_it_goes(build, monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", TODAY)
    pages = dict(PAGES)
    pages["records/RT-001"] = pages.pop("records/restore-tests/RT-001")
    warnings = warnings_of(build(pages))
    assert len(warnings) == 1, warnings
    assert "records/RT-001.md:3: WARNING: " in warnings[0]
    assert (
        "run 'python3 noxw.py -s record -- source/records/RT-001.md': it gives the record "
        "the next free number of its kind and its page in source/records/restore-tests/"
    ) in warnings[0]


@pytest.mark.parametrize("page", ["RUN-002", "RUN-001 (1)"])
def test_a_record_saved_beside_its_number_is_never_told_to_take_that_page(evidence_build, page):
    """A second operator's RUN-001 saved as RUN-002.md, or as the browser's
    "RUN-001 (1).md": the fix must not say to move it onto RUN-001.md, which exists."""
    second = RUN.replace(":run-by: Dana", ":run-by: Kim")
    warnings = warnings_of(evidence_build({f"records/checklist-runs/{page}": second}))
    assert len(warnings) == 1, warnings
    assert f"records/checklist-runs/{page}.md:3: WARNING: " in warnings[0]
    assert "The checklist run RUN-001 is on the page" in warnings[0]
    assert "RUN-001.md" not in warnings[0].replace(f"{page}.md", "")
    assert (
        f"python3 noxw.py -s record -- 'source/records/checklist-runs/{page}.md'" in (warnings[0])
        or f"python3 noxw.py -s record -- source/records/checklist-runs/{page}.md" in warnings[0]
    )


def test_incident_numbers_with_other_zeros_are_one_duplicate_not_a_traceback(evidence_build):
    second = INCIDENT.replace("INC-001", "INC-002").replace(":postmortem: PM-001\n", "")
    padded = second.replace("INC-002", "INC-0002").replace("API outage", "DNS outage")
    app = evidence_build(
        {"records/incidents/INC-002": second, "records/incidents/INC-0002": padded}
    )
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    # the pages sort INC-0002 first: the other one is told
    assert (
        "records/incidents/INC-002.md:3: WARNING: The ID 'INC-002' has the number of "
        in (warnings[0])
    )
    assert (
        "INC-0002 is already the ID of a need at src/records/incidents/INC-0002.md:3"
        in (warnings[0])
    )
    assert "the next free number of its prefix, INC-0003" in warnings[0]
    assert "name its page source/records/incidents/INC-0003.md" in warnings[0]
    assert "Traceback" not in warnings[0]


@pytest.mark.parametrize("parallel", [1, 2])
def test_runs_with_other_zeros_are_one_duplicate_in_a_serial_and_a_parallel_build(
    build, monkeypatch, parallel
):
    monkeypatch.setenv("ANCHOR_TODAY", TODAY)
    padded = RUN.replace("RUN-001", "RUN-0001").replace(":run-by: Dana", ":run-by: Kim")
    app = build({**PAGES, "records/checklist-runs/RUN-0001": padded}, parallel=parallel)
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert "RUN-001" in warnings[0] and "RUN-0001" in warnings[0]
    assert "the next free number of its prefix, RUN-0002" in warnings[0]


#: An exception of the fixture project's rules: ``EXCEPTION.format(n=1)`` is EXC-01.
EXCEPTION = """:::{{policy-exception}} Direct access {n}
:id: EXC-0{n}
:exempts: RTP-01
:system: SYS-01
:approved-by: Anchor MSP Operations Lead
:start: 2026-04-01
:expires: 2026-04-30
Debugging.
:::
"""


def test_the_same_id_on_two_pages_of_a_parallel_build_is_one_located_warning(
    evidence_build,
):
    """sphinx-needs finds it when it merges the readers' needs, without a fix: the
    build says it once, with both places and the next free ID."""
    page = "# Exceptions\n\n" + EXCEPTION.format(n=1)
    pages = {f"page{i}": f"# Page {i}\n" for i in range(8)}
    # far apart in name order: read in two chunks, by two processes
    pages["a-exceptions"] = page
    pages["z-exceptions"] = page
    app = evidence_build(pages, parallel=2)
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert (
        "z-exceptions.md:3: WARNING: The ID 'EXC-01' is used twice: EXC-01 is already "
        in (warnings[0])
    )
    assert "the ID of a need at src/a-exceptions.md:3" in warnings[0]
    assert "the next free number of its prefix, EXC-02" in warnings[0]


def _row_of(need_id: str, html: str) -> str:
    """The first table row of ``html`` that shows ``need_id``."""
    for opened in html.split("<tr")[1:]:
        row = opened.split("</tr>")[0]
        if f">{need_id}<" in row:
            return row
    raise AssertionError(f"no row shows {need_id}")


def _at(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("page", "old", "new", "finding"),
    [
        (
            "records/changes/CR-001",
            ":documented: 2026-03-03T10:00+01:00",
            ":documented: 2026-03-03T10:01+01:00",
            "later than 24 hours after executed",
        ),
        # the same moment written at another offset is still exactly 24 hours
        (
            "records/changes/CR-001",
            ":documented: 2026-03-03T10:00+01:00",
            ":documented: 2026-03-03T09:00Z",
            None,
        ),
        (
            "records/postmortems/PM-001",
            ":held-on: 2026-03-13",
            ":held-on: 2026-03-16",
            "later than 5 business days after resolved",
        ),
        (
            "records/changes/CR-002",
            ":approved-by: Anchor MSP Operations Lead",
            ":approved-by: Dana",
            "approved-by and by are both Dana",
        ),
        (
            "records/changes/CR-002",
            ":approved: 2026-03-09T14:00+01:00",
            ":approved: 2026-03-10T11:00+01:00",
            "approved is not before executed",
        ),
        (
            "records/restore-tests/RT-001",
            ":tested-on: 2026-03-02",
            ":tested-on: 2025-11-20",
            "no restore test meeting 'result is pass' between 2025-11-20 and 2026-04-20",
        ),
        (
            "records/checklist-runs/RUN-001",
            ":run-at: 2026-01-04T10:00+01:00",
            ":run-at: 2026-01-06T10:00+01:00",
            "has no checklist run with Checklist HOC meeting 'all items done' before its "
            "'Accepted on' date",
        ),
    ],
    ids=[
        "24h01 late",
        "24h at another offset",
        "6 business days",
        "self-approved",
        "approved after execution",
        "restore test 5 months old",
        "handoff after acceptance",
    ],
)
def test_a_finding_is_found_at_its_boundary(evidence_build, page, old, new, finding):
    app = evidence_build({page: _at(PAGES[page], old, new)})
    assert warnings_of(app) == []  # a finding is reported, not an authoring mistake
    found = findings(app)
    if finding is None:
        assert found == []
        return
    assert len(found) == 1, found
    assert finding in found[0][4]
    registers = (app.outdir / "registers.html").read_text()
    assert finding.split("'")[0] in registers  # the findings list shows it


def test_a_postmortem_five_business_days_later_across_a_weekend_is_met(evidence_build):
    # resolved on Friday 6 March; Friday 13 March is the fifth business day
    app = evidence_build()
    assert not [f for f in findings(app) if f[1] == "RTP-04"]


def test_examples_never_count(evidence_build):
    example = _at(RESTORE_TEST, ":system: SYS-01", ":example:\n:system: SYS-01")
    app = evidence_build({"records/restore-tests/RT-001": example}, anchor_audit_period="all")
    found = findings(app)
    assert [f[1] for f in found] == ["RTP-01"]
    population = (app.outdir / "population.csv").read_text()
    assert "RT-001" not in population
    assert ">example<" in (app.outdir / "registers.html").read_text()


def test_findings_warn_or_fail_as_the_setting_says(evidence_build):
    late = {
        "records/changes/CR-001": _at(
            EMERGENCY, ":documented: 2026-03-03T10:00+01:00", ":documented: 2026-03-04T10:00+01:00"
        )
    }
    warnings = warnings_of(evidence_build(late, anchor_evidence_enforcement="warn"))
    assert len(warnings) == 1
    assert "records/changes/CR-001.md:3: WARNING: Finding on rule RTP-02" in warnings[0]


def test_the_population_of_a_period_holds_exactly_its_records(evidence_build):
    app = evidence_build(anchor_audit_period="2026-03-01:2026-03-09")
    rows = list(csv.reader(io.StringIO((app.outdir / "population.csv").read_text())))
    records = sorted({row[3] for row in rows[1:]})
    # RT-001 (2 March), CR-001 (2 March), INC-001 (6 March); not CR-002 (10 March),
    # RUN-001 (4 January) or the system
    assert records == ["CR-001", "INC-001", "RT-001"]


def test_an_added_record_reaches_the_register_the_system_page_and_the_rules(
    make_app, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANCHOR_TODAY", "2026-07-20")  # RT-001 is due since 2 June
    srcdir = tmp_path / "src"
    write_pages(srcdir, PAGES)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    app.cleanup()  # the next application registers the nodes again
    assert "RTP-01" in [f[1] for f in findings(app)]
    later = _at(RESTORE_TEST, "RT-001", "RT-002").replace("2026-03-02", "2026-06-01")
    (srcdir / "records/restore-tests/RT-002.md").write_text(later)
    again = make_app("html", srcdir=srcdir)
    again.build()
    assert warnings_of(again) == []
    assert "RTP-01" not in [f[1] for f in findings(again)]
    assert "RT-002" in (again.outdir / "registers.html").read_text()
    assert "RT-002" in (again.outdir / "records/systems/SYS-01.html").read_text()
    policy = (again.outdir / "policy.html").read_text()
    assert "latest 2026-06-01" in policy
    assert "2026-06-01" in (again.outdir / "trace.html").read_text()
    shutil.rmtree(srcdir)


def test_a_register_counts_each_records_findings_and_links_to_them(evidence_build, monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", "2026-07-20")  # RT-001 is due since 2 June
    app = evidence_build({})
    about_system = [row for row in findings(app) if row[3] == "SYS-01"]
    assert about_system  # the overdue restore test at least
    soup = BeautifulSoup((app.outdir / "registers.html").read_text(), "html.parser")
    systems = soup.select("table.anchor-register-managed-system tbody tr")
    cell = systems[0].find_all("td")[-1]
    count = len(about_system)
    assert cell.get_text(" ", strip=True) == f"{count} finding{'' if count == 1 else 's'}"
    assert cell.a["href"] == "records/systems/SYS-01.html#findings-of-sys-01"
    page = BeautifulSoup((app.outdir / "records/systems/SYS-01.html").read_text(), "html.parser")
    heading = page.find(id="findings-of-sys-01")
    assert heading is not None and heading.get_text() == "Findings"
    # the restore test itself has no finding of its own: none, and no link
    tests = soup.select("table.anchor-register-restore-test tbody tr")
    assert tests[0].find_all("td")[-1].get_text(strip=True) == "none"
    assert tests[0].find_all("td")[-1].a is None


def test_record_pages_link_the_records_before_and_after_them(evidence_build):
    second = _at(RESTORE_TEST, "RT-001", "RT-002").replace("2026-03-02", "2026-06-01")
    tenth = _at(RESTORE_TEST, "RT-001", "RT-010").replace("2026-03-02", "2026-06-02")
    app = evidence_build(
        {"records/restore-tests/RT-002": second, "records/restore-tests/RT-010": tenth}
    )
    assert warnings_of(app) == []

    def nav(page: str) -> list[tuple[str, str]]:
        html = (app.outdir / f"records/restore-tests/{page}.html").read_text()
        links = BeautifulSoup(html, "html.parser").select("p.anchor-record-nav a")
        return [(a.get_text(" ", strip=True).split()[0], a["href"]) for a in links]

    # by number (RT-010 after RT-002, not between RT-001 and RT-002 as text sorts)
    assert nav("RT-001") == [("RT-002", "RT-002.html#RT-002")]
    assert nav("RT-002") == [("RT-001", "RT-001.html#RT-001"), ("RT-010", "RT-010.html#RT-010")]
    assert nav("RT-010") == [("RT-002", "RT-002.html#RT-002")]
    text = (app.outdir / "records/restore-tests/RT-002.html").read_text()
    assert "Previous restore test:" in text and "Next restore test:" in text
    # a system page too: the only system has neither
    system = (app.outdir / "records/systems/SYS-01.html").read_text()
    assert "anchor-record-nav" not in system


def test_an_added_record_rewrites_its_neighbours_pages_only(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", TODAY)
    srcdir = tmp_path / "src"
    write_pages(srcdir, PAGES)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    app.cleanup()  # the next application registers the nodes again
    first = app.outdir / "records/restore-tests/RT-001.html"
    other = app.outdir / "records/changes/CR-002.html"
    assert "anchor-record-nav" not in first.read_text()
    other_written = other.stat().st_mtime_ns
    second = _at(RESTORE_TEST, "RT-001", "RT-002").replace("2026-03-02", "2026-04-01")
    (srcdir / "records/restore-tests/RT-002.md").write_text(second)
    again = make_app("html", srcdir=srcdir)
    again.build()
    assert warnings_of(again) == []
    # RT-001 was not read again, yet its page links the test after it
    assert "Next restore test:" in first.read_text()
    assert 'href="RT-002.html#RT-002"' in first.read_text()
    # a change's page shows nothing of restore tests: it is not written again
    assert other.stat().st_mtime_ns == other_written


def test_a_hostile_note_is_data_and_escaped(evidence_build):
    note = '::: {note}\n: leading colon <script>alert(1)</script> [[copy("id")]] "q" Ωμέγα'
    # the line as the browser writes it: the answer as JSON
    answer = json.dumps({"result": "not applicable", "note": note}, ensure_ascii=False)
    run = _at(RUN, 'HOC-02: {result: not applicable, note: "no backups yet"}', f"HOC-02: {answer}")
    app = evidence_build({"records/checklist-runs/RUN-001": run})
    assert warnings_of(app) == []
    html = (app.outdir / "records/checklist-runs/RUN-001.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "[[copy(&quot;id&quot;)]]" in html or '[[copy("id")]]' in html
    assert "Ωμέγα" in html


README_CHECKLIST = """# Handoff Acceptance Checklist

## Purpose

The gate.

## Checklist

::::{checklist} Handoff acceptance
:id-prefix: HAC
:sign-off:
:owner: Anchor MSP Operations Lead
:last-reviewed: 2026-04-04

:::{item} Acceptance criteria met
:id: HAC-01
:::

:::{item} Monitoring configured
:id: HAC-02
:::

:::{item} Escalation contacts confirmed
:id: HAC-09
:::

:::{item} Development team acknowledges handoff complete
:id: HAC-10
:::
::::
"""


def test_the_readme_record_snippets_build_and_show_what_they_say(build, monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", "2026-04-20")
    snippets = readme_snippets()
    policy = (
        POLICY.replace(":id-prefix: RTP", ":id-prefix: CHG")
        .replace("RTP-0", "CHG-1")
        .replace("checklist is HOC", "checklist is HAC")
    )
    start = policy.index(":::{rule} Emergency changes documented")
    end = policy.index(":::{rule} Normal changes")
    policy = policy[:start] + snippets["evidence"] + "\n\n" + policy[end:]
    app = build(
        {
            "policy": policy,
            "checklist": README_CHECKLIST,
            "registers": REGISTERS,
            "records/systems/SYS-01": SYSTEM,
            "records/restore-tests/RT-001": snippets["restore_test"],
            "records/checklist-runs/RUN-001": snippets["checklist_run"],
        },
        anchor_coverage_gate=False,
    )
    assert warnings_of(app) == []
    run = (app.outdir / "records/checklist-runs/RUN-001.html").read_text()
    assert "no separate escalation contacts" in run
    assert 'href="https://grafana.example/d/cerberus"' in run
    found = findings(app)
    # the run's failed item is a finding of the rule HAC-10 verifies; the snippet's
    # restore test makes the quarterly rule met
    assert not [f for f in found if f[1] == "CHG-11"]
    assert "Emergency changes" in (app.outdir / "policy.html").read_text()
    system = (app.outdir / "records/systems/SYS-01.html").read_text()
    assert "RT-001" in system and "RUN-001" in system


def test_the_fail_setting_stops_the_build_at_a_finding(evidence_build):
    from sphinx.errors import SphinxError

    late = {
        "records/changes/CR-001": _at(
            EMERGENCY, ":documented: 2026-03-03T10:00+01:00", ":documented: 2026-03-04T10:00+01:00"
        )
    }
    with pytest.raises(SphinxError, match="1 finding"):
        evidence_build(late, anchor_evidence_enforcement="fail")


#: The managed systems' register, alone on its page (no other register rewrites it).
SYSTEMS = """# Systems

```{record-register} managed-system
```
"""


def test_an_edited_record_rewrites_what_shows_it(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", TODAY)
    srcdir = tmp_path / "src"
    write_pages(srcdir, {**PAGES, "systems": SYSTEMS})
    first = make_app("html", srcdir=srcdir, freshenv=True)
    first.build()
    first.cleanup()  # the next application registers the nodes again
    before = (first.outdir / "registers.html").read_text()
    assert ">pass<" in _row_of("RT-001", before) and ">finding<" not in _row_of("RT-001", before)
    assert ">none<" in _row_of("SYS-01", (first.outdir / "systems.html").read_text())
    # the restore test fails now: it no longer counts, and names its incident
    edited = _at(RESTORE_TEST, ":result: pass", ":result: fail\n:incident: INC-001")
    (srcdir / "records/restore-tests/RT-001.md").write_text(edited)
    again = make_app("html", srcdir=srcdir)
    again.build()
    assert warnings_of(again) == []
    assert [f[1] for f in findings(again)] == ["RTP-01"]
    assert "findings" in (again.outdir / "policy.html").read_text()
    registers = (again.outdir / "registers.html").read_text()
    # its row of the register (kept from the last build where nothing it shows changed)
    assert ">fail<" in _row_of("RT-001", registers)
    # the system's row: the finding concerns it, though no record of its own shows it
    assert ">1 finding<" in _row_of("SYS-01", (again.outdir / "systems.html").read_text())
    # the findings list: the rule, and the system without a passing test
    assert "SYS-01" in _row_of("RTP-01", registers[registers.index("anchor-findings") :])
    system_page = again.outdir / "records/systems/SYS-01.html"
    assert ">fail<" in _row_of("RT-001", system_page.read_text())
    assert ">none<" in _row_of("CR-001", system_page.read_text())
    again.cleanup()
    # the emergency change is documented a minute late: its row gains the finding
    late = _at(EMERGENCY, "2026-03-03T10:00+01:00", "2026-03-03T10:01+01:00")
    (srcdir / "records/changes/CR-001.md").write_text(late)
    third = make_app("html", srcdir=srcdir)
    third.build()
    assert warnings_of(third) == []
    assert ">1 finding<" in _row_of("CR-001", system_page.read_text())
    # the incident it names lists it
    assert "RT-001" in (again.outdir / "records/incidents/INC-001.html").read_text()


#: A second policy page: its one rule reads security reviews alone.
SECURITY_POLICY = (
    POLICY[: POLICY.index("## Policy")]
    .replace("# Restore Testing Policy", "# Security Monitoring Policy")
    .replace(":id-prefix: RTP", ":id-prefix: SMP")
    + """## Policy

:::{rule} Weekly security review
:id: SMP-01
:evidence: security-review
:requires: every 1 week
Review the security events every week.
:::

## Exceptions

None.
"""
)


def security_review(number: int, day: str) -> str:
    return (
        f"# Security review {number}\n\n:::{{security-review}} SRV-{number:03d}\n"
        f":reviewed-on: {day}\n:by: Operator\n:findings: Nothing new.\n:::\n"
    )


def test_a_record_rewrites_the_policy_pages_whose_rules_read_its_kind(
    make_app, tmp_path, monkeypatch
):
    """A policy page follows the records its rules read (their kind, the kinds those
    link to, checklist runs and systems): a restore test leaves a page of security
    review rules as it was; a security review rewrites it."""
    monkeypatch.setenv("ANCHOR_TODAY", TODAY)
    srcdir = tmp_path / "src"
    pages = {
        **PAGES,
        "security": SECURITY_POLICY,
        "records/security-reviews/SRV-001": security_review(1, "2026-04-17"),
    }
    write_pages(srcdir, pages)

    def build() -> dict[str, int]:
        app = make_app("html", srcdir=srcdir)
        try:
            app.build()
        finally:
            app.cleanup()
        assert warnings_of(app) == []
        return {p: (app.outdir / f"{p}.html").stat().st_mtime_ns for p in ("policy", "security")}

    first = build()
    edited = _at(RESTORE_TEST, ":result: pass", ":result: fail\n:incident: INC-001")
    (srcdir / "records/restore-tests/RT-001.md").write_text(edited)
    restore_edit = build()
    assert restore_edit["policy"] != first["policy"]
    assert restore_edit["security"] == first["security"]
    (srcdir / "records/security-reviews/SRV-002.md").write_text(security_review(2, "2026-04-18"))
    review_added = build()
    assert review_added["security"] != restore_edit["security"]
    page = (srcdir / "_build/html/security.html").read_text()
    assert "2 records, latest 2026-04-18" in page


def test_the_changes_report_lists_records_and_rules_made_not_verifiable(
    build, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANCHOR_TODAY", TODAY)
    first = build(PAGES)
    earlier = tmp_path / "earlier-needs.json"
    shutil.copy(first.outdir / "needs.json", earlier)
    policy = _at(
        POLICY,
        ":evidence: change where type is normal\n:requires: reviewed-by differs from by; "
        "approved-by differs from by; approved before executed\n",
        ":not-verifiable: The reviewer is not recorded anywhere.\n",
    )
    pages = {
        **PAGES,
        "policy": policy,
        "records/restore-tests/RT-001": _at(RESTORE_TEST, "snapshot of 2026-03-01", "snapshot"),
    }
    second = build(pages, anchor_changes_since=str(earlier))
    rows = list(csv.reader(io.StringIO((second.outdir / "changes.csv").read_text())))
    changes = {(row[0], row[1]): row for row in rows[1:]}
    assert changes["became not verifiable", "RTP-03"][5] == "The reviewer is not recorded anywhere."
    changed = changes["record changed", "RT-001"]
    assert "Restic snapshot of 2026-03-01" in changed[4]
    assert "backup: Restic snapshot;" in changed[5]


DNS_POLICY = """# DNS Policy

:::{policy}
:id-prefix: DNS
:owner: Anchor MSP Operations Lead
:last-reviewed: 2026-04-04
:::

## Purpose

DNS changes in an emergency are documented.

## Scope

Every managed system.

## Policy

:::{rule} Emergency DNS changes
:id: DNS-01
:evidence: change where type is emergency and changes is DNS
:requires: documented within 24 hours of executed
Document an emergency DNS change within 24 hours.
:::

## Exceptions

None.
"""


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        ("DNS", ["DNS-01", "RTP-02"]),
        ("secrets", ["RTP-02"]),
        ("secrets, DNS", ["DNS-01", "RTP-02"]),
    ],
)
def test_a_rule_narrowed_by_two_fields_reads_only_its_changes(evidence_build, changes, rules):
    """A late emergency change is a finding of the rule on emergency changes; of the
    rule on emergency DNS changes only when it changes DNS."""
    late = _at(
        EMERGENCY, ":documented: 2026-03-03T10:00+01:00", ":documented: 2026-03-04T10:00+01:00"
    )
    app = evidence_build(
        {
            "dns": DNS_POLICY,
            "records/changes/CR-001": _at(late, ":changes: DNS", f":changes: {changes}"),
        }
    )
    assert [w for w in warnings_of(app) if "Finding" not in w] == []
    assert sorted(row[1] for row in findings(app)) == rules
    html = (app.outdir / "dns.html").read_text()
    assert "change records where type is emergency and changes is DNS" in html


def test_a_change_area_outside_the_configured_list_is_one_warning(evidence_build):
    wrong = _at(EMERGENCY, ":changes: DNS", ":changes: DNS, firewall")
    warnings = warnings_of(evidence_build({"records/changes/CR-001": wrong}))
    assert len(warnings) == 1, warnings
    line = wrong.splitlines().index(":changes: DNS, firewall") + 1
    assert (
        f"records/changes/CR-001.md:{line}: WARNING: The field 'Areas changed' of CR-001 is "
        "'DNS, firewall', and 'firewall' is not one of infrastructure, configuration"
    ) in warnings[0]
    assert "Fix: write one or more of them, separated by commas, of infrastructure" in (warnings[0])


def test_the_project_names_its_own_change_areas(evidence_build):
    wrong = _at(EMERGENCY, ":changes: DNS", ":changes: DNS, firewall")
    app = evidence_build(
        {"records/changes/CR-001": wrong},
        anchor_change_areas=["DNS", "firewall", "alerting", "monitoring"],
    )
    assert warnings_of(app) == []


def test_a_rule_narrowed_by_an_area_the_list_does_not_name_is_one_warning(evidence_build):
    wrong = DNS_POLICY.replace("changes is DNS", "changes is dns")
    warnings = warnings_of(evidence_build({"dns": wrong}, anchor_coverage_gate=False))
    assert len(warnings) == 1, warnings
    line = wrong.splitlines().index(":evidence: change where type is emergency and changes is dns")
    assert f"dns.md:{line + 1}: WARNING: 'dns' is not a value of a change's changes" in warnings[0]


@pytest.mark.parametrize(
    ("later", "late"),
    [("2026-03-13T10:59:00+00:00", False), ("2026-03-13T11:01:00+00:00", True)],
)
def test_a_record_that_became_late_during_the_day_shows_at_the_next_build(
    make_app, tmp_path, monkeypatch, later, late
):
    """INC-001 resolved 6 March 12:00+01:00, no postmortem: late after 5 business days,
    13 March 11:00 UTC. Built at 10:00 UTC, then again, nothing edited, at ``later``."""
    from datetime import datetime

    def at(moment: str) -> None:
        monkeypatch.setenv(
            "SOURCE_DATE_EPOCH", str(int(datetime.fromisoformat(moment).timestamp()))
        )

    monkeypatch.delenv("ANCHOR_TODAY", raising=False)
    srcdir = tmp_path / "src"
    write_pages(
        srcdir, {**PAGES, "records/incidents/INC-001": _at(INCIDENT, ":postmortem: PM-001\n", "")}
    )
    at("2026-03-13T10:00:00+00:00")
    first = make_app("html", srcdir=srcdir, freshenv=True)
    first.build()
    first.cleanup()
    assert "no postmortem within" not in (first.outdir / "registers.html").read_text()
    at(later)
    again = make_app("html", srcdir=srcdir)
    again.build()
    again.cleanup()
    registers = (again.outdir / "registers.html").read_text()
    assert ("INC-001 no postmortem within 5 business days of resolved" in registers) is late
    assert (">findings<" in (again.outdir / "policy.html").read_text()) is late


@pytest.mark.parametrize(("second", "finding"), [("2025-12-31", False), ("2026-01-01", True)])
def test_a_quarterly_test_on_each_quarters_last_day_is_met(evidence_build, second, finding):
    """Accepted 30 June; passing tests on 30 September, ``second`` and 31 March: a
    quarter from a month's last day ends on the last day of the third month."""
    days = ["2025-09-30", second, "2026-03-31"]
    tests = {
        f"records/restore-tests/RT-00{n}": RESTORE_TEST.replace("RT-001", f"RT-00{n}").replace(
            "2026-03-02", day
        )
        for n, day in enumerate(days, start=1)
    }
    system = SYSTEM.replace("2026-01-05", "2025-06-30")
    app = evidence_build({"records/systems/SYS-01": system, **tests})
    assert warnings_of(app) == []
    quarterly = [row for row in findings(app) if row[1] == "RTP-01"]
    if finding:
        assert len(quarterly) == 1, quarterly
        assert "between 2025-09-30 and 2026-01-01" in quarterly[0][-1]
        assert "due by 2025-12-31" in quarterly[0][-1]
    else:
        assert quarterly == []


DECISION = """# Keep restore tests apart

:::{decision} DEC-001
:decided-on: 2026-03-23
:::

## Decision

Restore tests run in an isolated environment.

## Context

The policy says so.

## Options considered

- Isolated

## Decision rationale

Safety.

## Consequences accepted

Slower tests.
"""

SECURITY_REVIEW = """# Weekly review

:::{security-review} SRV-001
:reviewed-on: 2026-04-17
:by: Dana
:findings: Nothing above Low.
:::
"""

#: A record of every kind, by its page (the fixture project's, and two more).
EVERY_KIND = {
    "records/systems/SYS-01": SYSTEM,
    "records/checklist-runs/RUN-001": RUN,
    "records/incidents/INC-001": INCIDENT,
    "records/postmortems/PM-001": POSTMORTEM,
    "records/changes/CR-001": EMERGENCY,
    "records/restore-tests/RT-001": RESTORE_TEST,
    "records/security-reviews/SRV-001": SECURITY_REVIEW,
    "records/decisions/DEC-001": DECISION,
}


def _unclosed(text: str) -> str:
    """``text`` without the line that closes its first directive."""
    lines = text.splitlines()
    opening = next(i for i, line in enumerate(lines) if line.startswith(":::{"))
    closing = next(i for i in range(opening + 1, len(lines)) if lines[i] == ":::")
    return "\n".join(lines[:closing] + lines[closing + 1 :]) + "\n"


def _with_a_section(page: str) -> str:
    text = EVERY_KIND[page]
    return text if "\n## " in text else text + "\n## Notes\n\nWritten after the record.\n"


@pytest.mark.parametrize("page", EVERY_KIND)
def test_a_record_of_every_kind_with_its_fence_closed_is_clean(evidence_build, page):
    assert warnings_of(evidence_build({page: _with_a_section(page)})) == []


@pytest.mark.parametrize("page", EVERY_KIND)
def test_a_record_whose_fence_swallows_the_page_is_one_warning_at_the_first_section(
    evidence_build, page
):
    broken = _unclosed(_with_a_section(page))
    heading = next(line for line in broken.splitlines() if line.startswith("## "))
    line = broken.splitlines().index(heading) + 1
    app = evidence_build({page: broken})
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    need_id = page.rpartition("/")[2]
    assert f"{page}.md:{line}: WARNING: The section '{heading}' is inside the " in warnings[0]
    assert f"{need_id}, whose fence is not closed before it" in warnings[0]
    assert (
        f"Fix: close the {EVERY_KIND[page].split('{')[1].split('}')[0]} with a line ':::' "
        in (warnings[0])
    )
    # shown, not dropped
    body = broken.splitlines()[line]  # the line after the heading, or blank
    html = (app.outdir / f"{page}.html").read_text()
    assert heading.removeprefix("## ") in html and (not body.strip() or body.strip() in html)


SWALLOWING = [
    # (directive, page, the line after which the closing fence is removed, the need inside)
    ("rule", "policy", ":id: RTP-01", "RTP-02"),
    ("item", "checklist", ":id: HOC-01", "HOC-02"),
]


@pytest.mark.parametrize(("directive", "page", "after", "inner"), SWALLOWING)
def test_a_need_swallowed_by_an_open_fence_is_one_warning_naming_that_fence(
    evidence_build, directive, page, after, inner
):
    lines = PAGES[page].splitlines()
    start = lines.index(after)
    closing = next(i for i in range(start, len(lines)) if lines[i] == ":::")
    opening = max(i for i in range(start) if lines[i].startswith(f":::{{{directive}}}"))
    broken = "\n".join(lines[:closing] + lines[closing + 1 :]) + "\n"
    inner_line = (
        next(i for i, line in enumerate(broken.splitlines(), 1) if line == f":id: {inner}") - 1
    )
    warnings = warnings_of(evidence_build({page: broken}))
    assert len(warnings) == 1, warnings
    outer = after.removeprefix(":id: ")
    assert (
        f"{page}.md:{inner_line}: WARNING: The {directive} '{inner}' is inside the "
        f"{directive} '{outer}' of line {opening + 1}, whose fence is not closed before it. "
        f"Fix: close the {directive} {outer} with a line ':::' (as many colons as its "
        f"opening) before line {inner_line}"
    ) in warnings[0]


def test_a_fence_longer_than_its_closing_line_swallows_the_next_rule(evidence_build):
    longer = POLICY.replace(":::{rule} Quarterly restore test", "::::{rule} Quarterly restore test")
    warnings = warnings_of(evidence_build({"policy": longer}))
    assert len(warnings) == 1, warnings
    assert "The rule 'RTP-02' is inside the rule 'RTP-01'" in warnings[0]
    assert "close the rule RTP-01 with a line '::::'" in warnings[0]


def test_an_exception_swallowed_by_another_is_one_warning(evidence_build):
    page = "# Exceptions\n\n" + EXCEPTION.format(n=1) + "\n" + EXCEPTION.format(n=2)
    broken = page.replace("Debugging.\n:::\n\n", "Debugging.\n\n", 1)
    warnings = warnings_of(evidence_build({"exceptions": broken}))
    assert len(warnings) == 1, warnings
    line = broken.splitlines().index(":::{policy-exception} Direct access 2") + 1
    assert f"exceptions.md:{line}: WARNING: The exception 'EXC-02' is inside the " in warnings[0]
    assert "policy-exception 'EXC-01' of line 3" in warnings[0]


def test_traceability_csv_has_every_column_filled_where_it_applies(evidence_build):
    app = evidence_build()
    rows = list(csv.DictReader(io.StringIO((app.outdir / "traceability.csv").read_text())))
    by_rule = {row["Rule"]: row for row in rows}
    assert by_rule["RTP-05"] == {
        "Policy": "Restore Testing Policy",
        "Rule": "RTP-05",
        "Title": "Handoff accepted before management",
        "Verified by": "HOC-01",
        "Link states": "HOC-01: unreviewed",
        "State": "verified",
        "Evidenced by": "checklist run records where checklist is HOC: all items done; "
        "one per system before accepted-on",
        "Operating state": "met",
        "Latest evidence": "RUN-001 (2026-01-04)",
    }
    assert by_rule["RTP-01"]["Latest evidence"] == "RT-001 (2026-03-02)"
    assert by_rule["RTP-06"]["Operating state"] == "not applicable"
    # no column is empty in every row
    assert all(any(row[column].strip() for row in rows) for column in rows[0])
