"""Incremental builds stay correct; other builders render every directive."""

from __future__ import annotations

import json
import shutil

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from conftest import REPO, TRACE_PAGE, copy_site, snippet_pages, warnings_of, write_pages


def built_once(make_app, tmp_path):
    """The snippet pages, built once from scratch: their folder and texts."""
    srcdir = tmp_path / "src"
    pages = snippet_pages()
    write_pages(srcdir, pages)
    first = make_app("html", srcdir=srcdir, freshenv=True)
    first.build()
    first.cleanup()  # the next application registers the nodes again
    assert warnings_of(first) == []
    return srcdir, pages


def test_incremental_build_updates_links_on_other_pages(make_app, tmp_path):
    srcdir, pages = built_once(make_app, tmp_path)
    assert "Retention" in (srcdir / "_build" / "html" / "checklist.html").read_text()

    (srcdir / "policy.md").write_text(
        pages["policy"].replace(":::{rule} Retention", ":::{rule} Backup retention periods")
    )
    second = make_app("html", srcdir=srcdir, freshenv=False)
    second.build()
    assert warnings_of(second) == []
    # only policy.md changed, yet the other pages show the rule's new title
    for page in ("checklist", "matrix"):
        soup = BeautifulSoup((second.outdir / f"{page}.html").read_text(), "html.parser")
        link = soup.find("a", href="policy.html#BKP-03")
        assert "Backup retention periods" in link.get_text(), page


def test_incremental_build_drops_links_of_a_removed_item(make_app, tmp_path):
    srcdir, pages = built_once(make_app, tmp_path)

    (srcdir / "checklist.md").write_text(pages["checklist"].replace(":verifies: BKP-03\n", ""))
    second = make_app("html", srcdir=srcdir, freshenv=False)
    second.build()
    rule = BeautifulSoup((second.outdir / "policy.html").read_text(), "html.parser").find(
        id="BKP-03"
    )
    assert rule.select(".anchor-trace-list a") == []
    assert "No checklist item verifies this rule yet." in rule.get_text()


def test_text_builder(build):
    app = build(snippet_pages(), "text")
    assert warnings_of(app) == []
    checklist = (app.outdir / "checklist.txt").read_text()
    assert "[ ] HAC-05 Backups configured and first backup completed" in checklist
    assert "BKP-03 Retention" in checklist  # what it verifies
    assert "Reset checklist" not in checklist  # the interactive controls are HTML only
    policy = (app.outdir / "policy.txt").read_text()
    assert "Owner:\n   Anchor MSP Operations Lead" in policy
    assert "HAC-05 Backups configured" in policy  # verified by
    matrix = (app.outdir / "matrix.txt").read_text()
    assert "| Backups and restore  | Owns A" in matrix
    assert "BKP-03 Retention" in matrix


def test_latex_builder(build):
    app = build(
        snippet_pages(),
        "latex",
        latex_documents=[
            ("index", "anchor.tex", "Anchor SOP", "Anchor MSP", "manual"),
        ],
    )
    assert warnings_of(app) == []
    tex = (app.outdir / "anchor.tex").read_text()
    assert r"$\square$~" in tex
    assert "Keep 7 daily, 4 weekly and 6 monthly backups." in tex
    assert "Identifies backup\\sphinxhyphen{}eligible data" in tex


def test_singlehtml_builder(build):
    app = build(snippet_pages(), "singlehtml")
    assert warnings_of(app) == []
    soup = BeautifulSoup((app.outdir / "index.html").read_text(), "html.parser")
    assert soup.find(id="BKP-03")
    # links between needs point into the single page
    assert soup.select_one("#BKP-03 .anchor-trace-list a")["href"] == "#HAC-05"


def _written(outdir) -> dict[str, int]:
    """When each page and export was last written (Sphinx writes its own pages every time)."""
    every_build = {"search.html", "genindex.html", "permalink.html"}
    return {
        p.name: p.stat().st_mtime_ns
        for p in outdir.glob("*.*")
        if p.suffix in (".html", ".csv", ".json", ".xlsx") and p.name not in every_build
    }


def test_an_edit_no_other_page_shows_rewrites_that_page_alone(make_app, tmp_path):
    srcdir = tmp_path / "src"
    pages = {**snippet_pages(), "trace": "# Trace\n\n```{traceability} matrix\n```\n"}
    write_pages(srcdir, pages)
    first = make_app("html", srcdir=srcdir, freshenv=True)
    first.build()
    first.cleanup()
    before = _written(first.outdir)
    assert {"needs.json", "traceability.csv", "traceability.xlsx"} <= set(before)

    # nothing changed: no page and no export of ours is written again (sphinx-needs
    # writes its needs.json in every build: the same bytes)
    needs_json = (first.outdir / "needs.json").read_bytes()
    unchanged = make_app("html", srcdir=srcdir, freshenv=False)
    unchanged.build()
    unchanged.cleanup()
    again = _written(unchanged.outdir)
    assert {k: v for k, v in again.items() if k != "needs.json"} == {
        k: v for k, v in before.items() if k != "needs.json"
    }
    assert (unchanged.outdir / "needs.json").read_bytes() == needs_json

    # white space in a statement and an item's criteria: nothing other pages show
    (srcdir / "policy.md").write_text(pages["policy"].replace("Keep 7 daily", "Keep  7 daily"))
    (srcdir / "checklist.md").write_text(
        pages["checklist"].replace("The first backup exists", "The very first backup exists")
    )
    second = make_app("html", srcdir=srcdir, freshenv=False)
    second.build()
    second.cleanup()
    after = _written(second.outdir)
    rewritten = {name for name in after if after[name] != again[name]}
    # the edited pages and needs.json, which holds every need's text; not their parent,
    # whose toctree shows nothing new
    # (and exports.json, which says when needs.json was made)
    assert rewritten == {"policy.html", "checklist.html", "needs.json", "exports.json"}
    assert "The very first backup exists" in (second.outdir / "checklist.html").read_text()
    assert "The very first backup exists" in (second.outdir / "needs.json").read_text()

    # a rule's new title is shown elsewhere: the matrix and the exports follow
    (srcdir / "policy.md").write_text(pages["policy"].replace("{rule} Retention", "{rule} Kept"))
    third = make_app("html", srcdir=srcdir, freshenv=False)
    third.build()
    final = _written(third.outdir)
    assert {"trace.html", "checklist.html", "traceability.csv"} <= {
        name for name in final if final[name] != after[name]
    }
    assert "Kept" in (third.outdir / "trace.html").read_text()


def test_an_aggregate_page_is_rewritten_when_what_it_shows_changed(make_app, tmp_path):
    """trace.py: the review register shows the documents' records alone; a renamed rule
    rewrites the traceability views, not the register; a new review date rewrites both."""
    srcdir = tmp_path / "src"
    pages = {
        **snippet_pages(),
        "trace": "# Trace\n\n```{traceability} matrix\n```\n",
        "reviews": "# Reviews\n\n```{review-status}\n```\n",
    }
    write_pages(srcdir, pages)

    def build() -> dict[str, int]:
        app = make_app("html", srcdir=srcdir, freshenv=False)
        app.build()
        app.cleanup()
        assert warnings_of(app) == []
        return _written(app.outdir)

    def rewritten(before: dict[str, int], after: dict[str, int]) -> set[str]:
        return {name for name in after if after[name] != before[name]}

    first = build()
    renamed = pages["policy"].replace("{rule} Retention", "{rule} Kept")
    (srcdir / "policy.md").write_text(renamed)
    after_rename = build()
    assert {"trace.html", "policy.html"} <= rewritten(first, after_rename)
    assert "reviews.html" not in rewritten(first, after_rename)

    assert ":last-reviewed: 2026-04-04" in renamed
    (srcdir / "policy.md").write_text(renamed.replace("2026-04-04", "2026-05-05"))
    after_review = build()
    assert {"trace.html", "reviews.html"} <= rewritten(after_rename, after_review)
    assert "2026-05-05" in (srcdir / "_build/html/reviews.html").read_text()


def test_a_toctree_page_is_rewritten_only_when_its_toctree_shows_something_new(make_app, tmp_path):
    """navigation.py: Sphinx rewrites, with each page, the pages whose toctree lists it;
    they are skipped while nothing a toctree shows changed since the last build that
    finished writing, and rewritten after one that was interrupted."""
    srcdir = tmp_path / "src"
    pages = snippet_pages()
    write_pages(srcdir, pages)

    def build(extra_handler=None) -> dict[str, int]:
        app = make_app("html", srcdir=srcdir, freshenv=False)
        if extra_handler:
            app.connect("html-page-context", extra_handler)
        try:
            app.build()
        finally:
            app.cleanup()
        assert warnings_of(app) == []
        return _written(app.outdir)

    def rewritten(before: dict[str, int], after: dict[str, int]) -> set[str]:
        return {name for name in after if after[name] != before.get(name)}

    first = build()
    (srcdir / "policy.md").write_text(pages["policy"].replace("Keep 7 daily", "Keep  7 daily"))
    body_edit = build()
    assert rewritten(first, body_edit) == {"policy.html", "needs.json", "exports.json"}

    (srcdir / "policy.md").write_text(pages["policy"].replace("# Backup Policy", "# Backups"))
    title_edit = build()
    assert {"policy.html", "index.html"} <= rewritten(body_edit, title_edit)
    toctree = BeautifulSoup((tmp_path / "src/_build/html/index.html").read_text(), "html.parser")
    assert "Backups" in toctree.select_one("article .toctree-wrapper").get_text()

    # a page no toctree lists (a record) is not in the tree: the toctree pages stay
    (srcdir / "aside.md").write_text("---\norphan: true\n---\n\n# Aside\n\nText.\n")
    titled = (srcdir / "policy.md").read_text()
    (srcdir / "policy.md").write_text(titled.replace("Keep 7 daily", "Keep 7  daily"))
    orphan_added = build()
    assert {"aside.html", "policy.html"} <= rewritten(title_edit, orphan_added)
    assert "index.html" not in rewritten(title_edit, orphan_added)
    (srcdir / "policy.md").write_text(titled)
    aside = BeautifulSoup((tmp_path / "src/_build/html/aside.html").read_text(), "html.parser")
    assert "Backups" in aside.select_one(".sidebar-tree").get_text()

    def interrupt_on_policy(_app, pagename, *_args) -> None:
        if pagename == "policy":
            raise KeyboardInterrupt  # Sphinx keeps its environment, unlike on an error

    # a build interrupted after writing the parent with a new title, then the old
    # title back: the toctrees show what the last build that finished showed, yet the
    # parent is rewritten
    titled = (srcdir / "policy.md").read_text()
    (srcdir / "policy.md").write_text(titled.replace("# Backups", "# Backup"))
    with pytest.raises(KeyboardInterrupt):
        build(interrupt_on_policy)
    (srcdir / "policy.md").write_text(titled)
    after_interrupt = build()
    toctree = BeautifulSoup((tmp_path / "src/_build/html/index.html").read_text(), "html.parser")
    assert "Backups" in toctree.select_one("article .toctree-wrapper").get_text()
    # and the next build finished: a body edit rewrites the page alone again
    (srcdir / "policy.md").write_text(titled.replace("Keep 7 daily", "Keep 7  daily"))
    assert rewritten(after_interrupt, build()) == {"policy.html", "needs.json", "exports.json"}


# --- an incremental build of the real site writes what a fresh build writes -------

#: Each kind of change an author makes, as (what, page, old text, new text).
SITE_EDITS = [
    (
        "a rule retitled",
        "change-management/production-change-policy.md",
        ":::{rule} Standard changes",
        ":::{rule} Standard (pre-approved) changes",
    ),
    (
        "an item verifies one more rule",
        "client-onboarding/new-managed-system-onboarding-checklist.md",
        ":verifies: PO-02\n",
        ":verifies: PO-02, CHG-01\n",
    ),
    (
        "a review date",
        "change-management/production-change-policy.md",
        ":last-reviewed: 2026-04-04",
        ":last-reviewed: 2026-05-04",
    ),
    (
        "a rule added",
        "change-management/production-change-policy.md",
        "## Change records\n",
        "## Change records\n\n:::{rule} Tag every change\n:id: CHG-99\n"
        ":not-verifiable: Per change.\nTag it.\n:::\n",
    ),
    (
        "a gap's text",
        "change-management/production-change-policy.md",
        "the Operations Lead\nconfirms it.",
        "the Operations Lead\nsays.",
    ),
    (
        "an exception's expiry",
        "about/exceptions.md",
        ":expires: 2026-03-06",
        ":expires: 2026-03-09",
    ),
    (
        "prose",
        "change-management/production-change-policy.md",
        "Define how changes",
        "Define how all changes",
    ),
]


def _site_output(outdir) -> dict[str, bytes]:
    """Every page and export, and the search index without Sphinx's empty terms (an
    incremental build keeps a word no page holds any more, with no pages)."""
    files = {
        p.relative_to(outdir).as_posix(): p.read_bytes()
        for p in outdir.rglob("*")
        if p.suffix in (".html", ".json", ".csv", ".xlsx")
    }
    text = (outdir / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    for key in ("terms", "titleterms"):
        index[key] = {word: pages for word, pages in index[key].items() if pages != []}
    files["searchindex.js"] = json.dumps(index, sort_keys=True).encode()
    return files


def test_an_incremental_build_of_the_site_writes_what_a_fresh_build_writes(tmp_path, monkeypatch):
    """After each kind of edit, a new baseline and a new day, the pages the rebuild
    left alone and the ones it rewrote are what a fresh build writes."""
    monkeypatch.setenv("ANCHOR_TODAY", "2026-11-23")
    srcdir = copy_site(tmp_path / "source")
    baseline = tmp_path / "baseline.json"
    shutil.copy(REPO / "traceability-baseline.json", baseline)
    overrides = {"anchor_trace_baseline": str(baseline)}

    def build(builddir, fresh: bool):
        app = SphinxTestApp(
            "html", srcdir=srcdir, builddir=builddir, freshenv=fresh, confoverrides=overrides
        )
        try:
            app.build()
        finally:
            app.cleanup()
        assert warnings_of(app) == []
        return app

    incremental = build(tmp_path / "incremental", fresh=True)

    def compare(change: str) -> None:
        build(tmp_path / "incremental", fresh=False)
        fresh = build(tmp_path / "fresh", fresh=True)
        ours, theirs = _site_output(incremental.outdir), _site_output(fresh.outdir)
        assert sorted(ours) == sorted(theirs), change
        assert [name for name in theirs if ours[name] != theirs[name]] == [], change

    for change, page, old, new in SITE_EDITS:
        text = (srcdir / page).read_text()
        assert old in text, change
        (srcdir / page).write_text(text.replace(old, new, 1))
        compare(change)

    links = json.loads(baseline.read_text())
    links.pop(sorted(links)[0])  # a reviewed link no longer reviewed
    baseline.write_text(json.dumps(links))
    compare("a new baseline")

    monkeypatch.setenv("ANCHOR_TODAY", "2027-03-20")  # reviews come due soon
    compare("a new day")


def test_needs_json_is_the_file_sphinx_needs_writes(make_app, tmp_path):
    """The HTML build's needs.json is sphinx-needs' own: the bytes its ``needs``
    builder writes, with no timestamp (the audit pack is reproducible)."""
    pages = {**snippet_pages(), "trace": TRACE_PAGE}
    write_pages(tmp_path / "src", pages)
    built = {}
    for builder in ("html", "needs"):
        app = make_app(builder, srcdir=tmp_path / "src", freshenv=True)
        app.build()
        assert warnings_of(app) == []
        built[builder] = (app.outdir / "needs.json").read_bytes()
        app.cleanup()
    assert {"BKP-03", "RM-04"} <= set(json.loads(built["needs"])["versions"][""]["needs"])
    assert built["html"] == built["needs"]
    assert b'"created"' not in built["html"]
