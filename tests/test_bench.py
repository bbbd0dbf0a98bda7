"""The benchmark's synthetic corpora build cleanly, and its edit is seen on other pages."""

from __future__ import annotations

import json
import sys

from sphinx.testing.util import SphinxTestApp

from conftest import REPO, warnings_of

sys.path.insert(0, str(REPO / "bench"))

from corpus import (
    edit_one_rule,
    restore_test,
    write_corpus,
    write_plain_frameworks,
    write_stock_records,
)


def test_corpus_builds_cleanly_with_the_needs_it_promises(tmp_path):
    shape = write_corpus(tmp_path / "corpus", 300)
    app = SphinxTestApp("html", srcdir=tmp_path / "corpus", freshenv=True)
    try:
        app.build()
    finally:
        app.cleanup()
    assert warnings_of(app) == []
    data = json.loads((app.outdir / "needs.json").read_text())
    needs = data["versions"][data["current_version"]]["needs"]
    assert len(needs) == shape["needs"]
    # every item verifies a rule of its own policy and one of another
    assert all(len(n["verifies"]) in (1, 2) for n in needs.values() if n["type"] == "item")
    assert sum(1 for n in needs.values() if n["type"] == "rule") == shape["needs"] // 2 - 6


def _written(outdir) -> dict[str, int]:
    return {
        p.relative_to(outdir).with_suffix("").as_posix(): p.stat().st_mtime_ns
        for p in outdir.rglob("*.html")
    }


def test_one_page_edit_rewrites_the_linked_pages_only(tmp_path):
    srcdir = tmp_path / "corpus"
    write_corpus(srcdir, 300)
    first = SphinxTestApp("html", srcdir=srcdir, freshenv=True)
    first.build()
    first.cleanup()
    before = _written(first.outdir)

    title = edit_one_rule(srcdir)  # retitles P0001-01 on policies/policy-0001
    second = SphinxTestApp("html", srcdir=srcdir)
    second.build()
    second.cleanup()
    assert warnings_of(second) == []
    assert title in (second.outdir / "checklists" / "checklist-0001.html").read_text()
    assert title in (second.outdir / "trace-matrix.html").read_text()

    after = _written(second.outdir)
    rewritten = {page for page in after if after[page] != before.get(page)}
    data = json.loads((second.outdir / "needs.json").read_text())
    needs = data["versions"][data["current_version"]]["needs"]

    def checklists_verifying(rules) -> set[str]:
        return {needs[item]["docname"] for rule in rules for item in needs[rule]["verifies_back"]}

    views = {
        f"trace-{view}"
        for view in ("summary", "coverage", "matrix", "reverse", "gaps", "responsibility")
    }
    # the responsibility matrix's first row is governed by P0001-01
    assert checklists_verifying(["P0001-01"]) | views | {"matrix"} <= rewritten
    # the review register shows documents, and the toctrees show page titles: as before
    assert not {"review-status", "intro", "policies/index", "checklists/index"} & rewritten
    # the other rules of the page show as before: pages linking only them stay
    others = checklists_verifying([f"P0001-{n:02d}" for n in range(2, 21)])
    untouched = others - checklists_verifying(["P0001-01"])
    assert untouched
    assert not untouched & rewritten
    assert "policies/policy-0005" not in rewritten


def test_the_stock_pages_are_the_records_fields_built_without_our_extension(tmp_path):
    records = tmp_path / "records"
    (records / "restore-tests").mkdir(parents=True)
    (records / "restore-tests" / "RT-00001.md").write_text(restore_test(1, 2, "2026-11-30"))
    (records / "checklist-runs").mkdir()
    (records / "checklist-runs" / "RUN-00001.md").write_text(
        "# A run\n\n:::{checklist-run} RUN-00001\n:checklist: HAC\n:system: SYS-002\n"
        "HAC-01: done\n:::\n"
    )
    stock = tmp_path / "stock"
    assert write_stock_records(records, stock) == 2
    app = SphinxTestApp("html", srcdir=stock, freshenv=True)
    try:
        app.build()
    finally:
        app.cleanup()
    assert warnings_of(app) == []  # record pages are orphans there too
    assert "anchor_sop" not in app.extensions
    test = (app.outdir / "records" / "restore-tests" / "RT-00001.html").read_text()
    for row in (
        "<td><p>record</p></td>\n<td><p>RT-00001</p>",
        "<td><p>system</p></td>\n<td><p>SYS-002</p>",
    ):
        assert row in test
    run = (app.outdir / "records" / "checklist-runs" / "RUN-00001.html").read_text()
    assert "<td><p>item</p></td>\n<td><p>HAC-01: done</p>" in run


def test_the_plain_framework_pages_hold_the_rows_the_site_exports(tmp_path):
    built, source = tmp_path / "built", tmp_path / "source"
    built.mkdir()
    (source / "traceability").mkdir(parents=True)
    (built / "criteria.csv").write_text(
        "Framework,Category,Criterion,Description,Rules,Mapping,Checklist items,Records,State\n"
        'soc2,A1,A1.2,Backups | recovery,"BKP-01, BKP-02",BKP-01 proposed,CRB-02,3,met\n'
        "soc2,CC1,CC1.1,Ethics,,,,0,no rule\n"
        "iso27001,A.8,A.8.13,Backups,BKP-01,BKP-01 proposed,,3,met\n"
    )
    (built / "soa.csv").write_text("Control,Description,Decision\nA.8.13,Backups,applicable\n")
    rule = ":::{rule} Restic\n:id: BKP-01\n:satisfies: A.8.13, A1.2\n\nBack up.\n:::\n"
    (source / "policy.md").write_text(rule)
    assert write_plain_frameworks(source, built) == {
        "traceability/soc2": 2,
        "traceability/iso27001": 1,
        "traceability/statement-of-applicability": 1,
    }
    soc2 = (source / "traceability" / "soc2.md").read_text().splitlines()
    assert soc2[4] == "| Criterion | Description | Rules | Checklist items | Records | State |"
    assert soc2[6] == (
        "| A1.2 | Backups \\| recovery | [BKP-01](matrix.md), [BKP-02](matrix.md) "
        "| [CRB-02](matrix.md) | 3 | met |"
    )
    assert len(soc2) == 8
    # without the frameworks, the rules map to nothing
    assert (source / "policy.md").read_text() == rule.replace(":satisfies: A.8.13, A1.2\n", "")
    soa = (source / "traceability" / "statement-of-applicability.md").read_text()
    assert soa.endswith("| A.8.13 | Backups | applicable |\n")


def test_targets_read_as_ratios_to_a_row_of_the_same_run():
    from run import verdicts

    stock = {"name": "stock pages", "cold_s": 200.0, "noop_s": 6.0}
    site = {"name": "real site", "cold_s": 3.0, "cold_off_s": 4.0, "edit_s": 1.0}
    met = {"name": "records", "cold_s": 100.0, "edit_s": 6.0}
    missed = {"name": "records", "cold_s": 100.1, "edit_s": 6.1}
    assert verdicts([met, stock]) == [
        "target records cold <= 0.5 x stock pages cold: 100.00 s / 200.00 s = 0.50, met",
        "target records edit <= 1 x stock pages noop: 6.00 s / 6.00 s = 1.00, met",
    ]
    assert [line.rsplit(", ", 1)[1] for line in verdicts([missed, stock])] == ["NOT MET"] * 2
    # a reference not measured in this run is said, not guessed; 3 / 4 = 0.75 is met
    assert verdicts([site]) == [
        "target real site cold <= 0.75 x real site cold_off: 3.00 s / 4.00 s = 0.75, met",
        "target real site edit: no real site edit_off in this run",
    ]
    frameworks = {"name": "frameworks", "cold_s": 2.2}
    assert verdicts([frameworks, {"name": "plain tables", "cold_s": 2.0}]) == [
        "target frameworks cold <= 1.1 x plain tables cold: 2.20 s / 2.00 s = 1.10, met"
    ]
    assert verdicts([frameworks, {"name": "plain tables", "cold_s": 1.99}])[0].endswith("NOT MET")
    assert verdicts([met]) == [
        "target records cold: no stock pages cold in this run",
        "target records edit: no stock pages noop in this run",
    ]
