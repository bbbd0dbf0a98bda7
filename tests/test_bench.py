"""The benchmark's synthetic corpora build cleanly, and its edit is seen on other pages."""

from __future__ import annotations

import json
import sys

from sphinx.testing.util import SphinxTestApp

from conftest import REPO, warnings_of

sys.path.insert(0, str(REPO / "bench"))

from corpus import edit_one_rule, write_corpus


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


def test_one_page_edit_rewrites_the_linked_pages_only(tmp_path):
    from anchor_sop.trace import Changes, pages_to_rewrite

    srcdir = tmp_path / "corpus"
    write_corpus(srcdir, 300)
    first = SphinxTestApp("html", srcdir=srcdir, freshenv=True)
    first.build()
    first.cleanup()

    title = edit_one_rule(srcdir)
    second = SphinxTestApp("html", srcdir=srcdir)
    second.build()
    second.cleanup()
    assert warnings_of(second) == []
    assert title in (second.outdir / "checklists" / "checklist-0001.html").read_text()
    assert title in (second.outdir / "trace-matrix.html").read_text()

    # what the extension asks Sphinx to rewrite after re-reading policy-0001
    changes = Changes()
    changes.read = {"policies/policy-0001"}
    chosen = pages_to_rewrite(second.env, changes, baseline_changed=False)
    data = json.loads((second.outdir / "needs.json").read_text())
    needs = data["versions"][data["current_version"]]["needs"]
    linking = {
        needs[item]["docname"]
        for rule in needs
        if rule.startswith("P0001-")
        for item in needs[rule]["verifies_back"]
    }
    aggregates = {"review-status"} | {
        f"trace-{view}"
        for view in ("summary", "coverage", "matrix", "reverse", "gaps", "responsibility")
    }
    # the responsibility matrix's first row is governed by P0001-01
    assert chosen == linking | aggregates | {"matrix"}
    assert "policies/policy-0005" not in chosen
