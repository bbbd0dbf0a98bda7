"""Coverage, gaps, orphans, the gate, suspect links and exports, on a small project."""

from __future__ import annotations

import csv
import json
import warnings
from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from anchor_sop.exports.spreadsheet import workbook
from anchor_sop.fingerprint import normalise
from anchor_sop.traceability.baseline import rebaseline
from conftest import root_pages, warnings_of, write_pages

PAGES = root_pages("traceability")
POLICY = PAGES["policy"]


@pytest.fixture
def project(make_app, tmp_path):
    """Build the project as often as a test needs, with a baseline file beside it."""
    srcdir = tmp_path / "src"
    baseline = tmp_path / "baseline.json"

    def _build(pages=PAGES, fresh=True, **overrides):
        write_pages(srcdir, pages)
        app = make_app(
            "html",
            srcdir=srcdir,
            freshenv=fresh,
            confoverrides={"anchor_trace_baseline": str(baseline), **overrides},
        )
        app.build()
        app.cleanup()
        return app

    _build.baseline = baseline
    return _build


def rows(app, page: str, table_class: str) -> list[list[str]]:
    soup = BeautifulSoup((app.outdir / f"{page}.html").read_text(), "html.parser")
    return [
        [" ".join(td.get_text(" ").split()) for td in tr.find_all("td")]
        for tr in soup.select(f"table.{table_class} tbody tr")
    ]


def needs_of(app) -> dict:
    data = json.loads((app.outdir / "needs.json").read_text())
    return data["versions"][data["current_version"]]["needs"]


def accept_all(project, app) -> None:
    project.baseline.write_text(json.dumps(rebaseline(needs_of(app), {}, [])))


def test_summary_figures(project):
    app = project(anchor_coverage_gate=False)
    figures = dict(rows(app, "view_summary", "anchor-trace-summary"))
    assert figures == {
        "Rules in force": "4",
        "Rules that must be verified": "3",
        "Rules verified by design (checklist items or records)": "2",
        "Coverage by design": "66.7% (1 not verifiable, not counted)",
        "Rules met in operation": "0",
        "Coverage by operation": "0% (1 not verifiable, not counted)",
        "Rules with findings": "0",
        "Rules with no records yet": "3",
        "Findings": "0",
        "Managed systems registered": "0",
        "Operating records (examples not counted)": "0",
        "Gaps (rules not yet verified)": "1",
        "Rules not verifiable": "1",
        "Checklist items in force": "3",
        "Items that verify no rule (orphans)": "1",
        "Links item → rule": "3",
        "Suspect links": "0",
        "Unreviewed links": "3",
        "Draft or retired rules (not counted)": "1",
        "Draft or retired items (not counted)": "0",
    }


def test_coverage_per_policy_excludes_drafts(project):
    app = project(anchor_coverage_gate=False)
    assert rows(app, "view_coverage", "anchor-trace-coverage") == [
        ["Access Policy", "4", "3", "2", "67%", "1"],
        ["Total", "4", "3", "2", "67%", "1"],
    ]


def test_matrix_rows(project):
    app = project(anchor_coverage_gate=False)
    matrix = rows(app, "view_matrix", "anchor-trace-matrix")
    assert [r[0] for r in matrix] == ["AAA-01", "AAA-02", "AAA-03", "AAA-04"]
    assert matrix[1][2] == (
        "CHK-01 Accounts are named unreviewed CHK-02 Access reviewed this quarter unreviewed"
    )
    assert [r[3] for r in matrix] == ["verified", "verified", "not verifiable", "gap"]
    # under its policy's heading, which a link above jumps to
    soup = BeautifulSoup((app.outdir / "view_matrix.html").read_text(), "html.parser")
    heading = soup.select_one(".anchor-table-group-part p.rubric")
    assert heading.get_text() == "Access Policy (4 rules)"
    assert soup.select_one(".anchor-jump a")["href"] == f"#{heading['id']}"


def test_reverse_view_and_orphans(project):
    app = project(anchor_coverage_gate=False)
    reverse = rows(app, "view_reverse", "anchor-trace-reverse")
    assert [(r[0], r[2]) for r in reverse] == [
        ("CHK-01", "AAA-01 , AAA-02"),
        ("CHK-02", "AAA-02"),
        ("CHK-03", "—"),
    ]
    text = (app.outdir / "view_reverse.html").read_text()
    assert "items that verify no rule (1)" in text


def test_gaps_and_not_verifiable_listed_apart(project):
    app = project(anchor_coverage_gate=False)
    assert rows(app, "view_gaps", "anchor-trace-gaps") == [["AAA-04", "Break-glass account"]]
    assert rows(app, "view_gaps", "anchor-trace-not-verifiable") == [
        ["AAA-03", "Audit trail", "The system records it itself."]
    ]


def test_gate_names_each_unverified_rule_with_its_place(project):
    warnings = warnings_of(project())
    assert len(warnings) == 1
    line = POLICY.splitlines().index(":::{rule} Break-glass account") + 1
    assert f"policy.md:{line}: WARNING: No checklist item verifies rule AAA-04" in warnings[0]
    assert "[anchor.coverage_gap]" in warnings[0]


def test_links_are_unreviewed_then_clean_then_suspect_then_clean(project):
    app = project(anchor_coverage_gate=False)
    assert warnings_of(app) == []
    accept_all(project, app)

    app = project(anchor_coverage_gate=False)
    figures = dict(rows(app, "view_summary", "anchor-trace-summary"))
    assert (figures["Unreviewed links"], figures["Suspect links"]) == ("0", "0")

    changed = POLICY.replace("Review access **quarterly**.", "Review access yearly.")
    app = project({**PAGES, "policy": changed}, anchor_coverage_gate=False)
    warnings = warnings_of(app)
    assert len(warnings) == 1
    line = changed.splitlines().index(":::{rule} Quarterly access review") + 1
    assert (
        f"policy.md:{line}: WARNING: Rule AAA-02 changed since its links were reviewed; "
        "suspect: CHK-01, CHK-02"
    ) in warnings[0]
    rule = BeautifulSoup((app.outdir / "policy.html").read_text(), "html.parser").find(id="AAA-02")
    assert len(rule.select(".anchor-link-suspect")) == 2
    figures = dict(rows(app, "view_summary", "anchor-trace-summary"))
    assert figures["Suspect links"] == "2"

    # the owner re-reviews the links of AAA-02 and accepts them
    old = json.loads(project.baseline.read_text())
    project.baseline.write_text(json.dumps(rebaseline(needs_of(app), old, ["AAA-02"])))
    app = project({**PAGES, "policy": changed}, anchor_coverage_gate=False)
    assert warnings_of(app) == []


def test_a_new_baseline_alone_updates_the_views(project, make_app):
    """No page changed, only the baseline file: the views show the links' new states."""
    app = project(anchor_coverage_gate=False)
    assert dict(rows(app, "view_summary", "anchor-trace-summary"))["Unreviewed links"] == "3"
    accept_all(project, app)

    overrides = {"anchor_trace_baseline": str(project.baseline), "anchor_coverage_gate": False}
    again = make_app("html", srcdir=app.srcdir, freshenv=False, confoverrides=overrides)
    again.build()
    again.cleanup()
    assert warnings_of(again) == []
    assert dict(rows(again, "view_summary", "anchor-trace-summary"))["Unreviewed links"] == "0"
    matrix = " ".join(" ".join(row) for row in rows(again, "view_matrix", "anchor-trace-matrix"))
    assert "CHK-01" in matrix
    assert "unreviewed" not in matrix


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Review access **quarterly**.", "Review   access\n**quarterly**."),  # white space
        ("Review access **quarterly**.", "Review access *quarterly*."),  # formatting
        ("Review access **quarterly**.", "Review access `quarterly`."),  # formatting
    ],
    ids=["whitespace", "emphasis", "code"],
)
def test_layout_edits_do_not_make_links_suspect(project, old, new):
    accept_all(project, project(anchor_coverage_gate=False))
    app = project({**PAGES, "policy": POLICY.replace(old, new)}, anchor_coverage_gate=False)
    assert warnings_of(app) == []


def test_normalisation():
    assert normalise("Title", "a  b\n\tc") == "Title a b c"
    assert normalise("Title", "ﬁle") == "Title file"  # NFKC
    assert normalise("T", "must") != normalise("T", "MUST")


def test_csv_and_xlsx_match_needs_json(project):
    app = project(anchor_coverage_gate=False)
    needs = needs_of(app)
    with (app.outdir / "traceability.csv").open(newline="") as stream:
        table = list(csv.reader(stream))
    # the page's columns, and the two the page shows as a heading and as badges
    assert table[0] == [
        "Policy",
        "Rule",
        "Title",
        "Verified by",
        "Link states",
        "State",
        "Evidenced by",
        "Operating state",
        "Latest evidence",
    ]
    # a row per rule in force, each link once
    rules = {n["id"] for n in needs.values() if n["type"] == "rule"}
    assert sorted(r[1] for r in table[1:]) == sorted(rules - {"DRF-01"})  # a draft's
    links = {(i, r[1]) for r in table[1:] for i in r[3].split(", ") if i}
    expected = {(i["id"], r) for i in needs.values() if i["type"] == "item" for r in i["verifies"]}
    assert links == expected
    assert {r[1]: r[4] for r in table[1:]}["AAA-01"] == "CHK-01: unreviewed"
    for row in table[1:]:
        assert row[2] == needs[row[1]]["title"]

    workbook = load_workbook(app.outdir / "traceability.xlsx")
    views = ["Matrix", "Coverage", "Reverse", "Gaps", "Not verifiable", "Responsibility"]
    frameworks = ["Criteria", "SoA"]  # the samples only for an audit period
    assert workbook.sheetnames == ["Summary", *views, "Review status", "Findings", *frameworks]
    sheet = workbook["Matrix"]
    assert [[c.value or "" for c in row] for row in sheet.iter_rows()] == table
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width >= len("Quarterly access review")
    reverse = workbook["Reverse"]
    assert [c.value for c in reverse[2]] == ["CHK-01", "Accounts are named", "AAA-01, AAA-02"]


def test_xlsx_keeps_text_numbers_and_empty_cells(tmp_path):
    rows = [["ID", "Note", "Count"], ["A-01", " <b>&amp; \x01</b> ", 3], ["A-02", None, 2.5]]
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook({"Rules & items": rows}, datetime(2026, 4, 4, 12)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # openpyxl warns of parts it has to make up
        book = load_workbook(path)
    assert book.sheetnames == ["Rules & items"]
    sheet = book["Rules & items"]
    # markup stays text, white space is kept, a character XML cannot hold is dropped
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["ID", "Note", "Count"],
        ["A-01", " <b>&amp; </b> ", 3],
        ["A-02", None, 2.5],
    ]
    assert [c.font.b for c in sheet[1]] == [True, True, True]
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert book.properties.created == datetime(2026, 4, 4, 12)


def test_xlsx_text_stays_text_and_every_sheet_has_a_filter(tmp_path):
    """Text that looks like a formula, a number or an address is kept as text; an
    empty text is no cell; every sheet's header row carries an autofilter."""
    rows = [
        ["ID", "Note", "Owner"],
        ["A-01", "=SUM(A1:A2)", ""],
        ["A-02", "0042", "https://example.invalid/x"],
        ["A-03", "", "\tlead"],
    ]
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook({"Notes": rows, "Empty": [["ID"]]}, datetime(2026, 4, 4, 12)))
    book = load_workbook(path)
    sheet = book["Notes"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["ID", "Note", "Owner"],
        ["A-01", "=SUM(A1:A2)", None],
        ["A-02", "0042", "https://example.invalid/x"],
        ["A-03", None, "\tlead"],
    ]
    assert sheet["B2"].data_type == "s"
    assert sheet.auto_filter.ref == "A1:C4"
    assert book["Empty"].auto_filter.ref == "A1"


def test_xlsx_is_the_same_bytes_for_the_same_tables_and_moment():
    rows = [["ID", "Title"]] + [[f"A-{n:05}", f"Rule {n} is checked weekly"] for n in range(300)]
    first = workbook({"Rules": rows}, datetime(2026, 4, 4))
    assert workbook({"Rules": rows}, datetime(2026, 4, 4)) == first
    assert workbook({"Rules": rows}, datetime(2026, 4, 5)) != first


def test_summary_links_the_exports(project):
    app = project(anchor_coverage_gate=False)
    soup = BeautifulSoup((app.outdir / "view_summary.html").read_text(), "html.parser")
    hrefs = {a["href"] for a in soup.select("article a")}
    written = {
        path.name
        for path in app.outdir.iterdir()
        if path.suffix in (".csv", ".xlsx") or path.name in ("needs.json", "exports.json")
    }
    assert {"findings.csv", "review-status.csv", "traceability.xlsx", "needs.json"} <= written
    assert written <= hrefs  # every file beside the pages is linked
    exports = next(p for p in soup.select("p") if p.get_text().startswith("Exports: "))
    assert "findings as CSV" in exports.get_text()
