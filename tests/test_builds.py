"""Incremental builds stay correct; other builders render every directive."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from conftest import REPO, copy_site, readme_snippets, warnings_of, write_pages
from test_directives import SNIPPET_PAGES
from test_lifecycle import policy


def snippet_pages() -> dict[str, str]:
    snippets = readme_snippets()
    return {name: head + snippets[name] + "\n" for name, head in SNIPPET_PAGES.items()}


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


def test_an_edit_makes_its_exports_in_another_process(make_app, tmp_path, monkeypatch):
    """exports/files.py (the parallel speedup): the same bytes as a fresh build's,
    whose main process makes them;
    a warning raised while making one is the build's warning. The forked process
    writes them beside the doctrees, and nothing is left there, after a failed
    build too."""
    from sphinx.errors import SphinxError
    from sphinx.util import logging

    from anchor_sop.exports.files import add_export

    monkeypatch.setenv("ANCHOR_TODAY", "2026-11-23")  # the XLSX's stamp
    logger = logging.getLogger(__name__)

    def made_by(_app) -> bytes:
        logger.warning("made in process %s", os.getpid())
        return str(os.getpid()).encode()

    def build(srcdir, fresh: bool):
        app = make_app("html", srcdir=srcdir, freshenv=fresh)
        add_export(app, "made-by.txt", made_by, "who made it")
        app.build()
        app.cleanup()
        return app, int((app.outdir / "made-by.txt").read_text())

    # pages enough that an edit reads fewer than half of them
    notes = {f"note-{n}": f"# Note {n}\n\nText.\n" for n in range(8)}
    pages = {**snippet_pages(), "trace": TRACE_PAGE, **notes}
    write_pages(tmp_path / "edited", pages)
    build(tmp_path / "edited", fresh=True)
    pages["policy"] = pages["policy"].replace("{rule} Retention", "{rule} Kept")
    (tmp_path / "edited" / "policy.md").write_text(pages["policy"])
    made_folder = tmp_path / "edited" / "_build" / "doctrees" / "anchor-exports"
    made_folder.mkdir()
    (made_folder / "traceability.csv").write_text("")  # an interrupted build's
    edit, edit_maker = build(tmp_path / "edited", fresh=False)
    assert edit.doctreedir / "anchor-exports" == made_folder
    assert not made_folder.exists()
    write_pages(tmp_path / "fresh", pages)
    fresh, fresh_maker = build(tmp_path / "fresh", fresh=True)

    assert edit_maker != os.getpid() and fresh_maker == os.getpid()
    assert warnings_of(edit) == [f"WARNING: made in process {edit_maker}"]
    exports = ("needs.json", "traceability.csv", "traceability.xlsx", "review-status.csv")
    for name in exports:
        assert (edit.outdir / name).read_bytes() == (fresh.outdir / name).read_bytes(), name
    assert "Kept" in (edit.outdir / "traceability.csv").read_text()

    # an export that fails there fails the build, with its message
    def broken(_app) -> bytes:
        raise ValueError("no bytes for this export")

    (tmp_path / "edited" / "policy.md").write_text(pages["policy"].replace("Kept", "Held"))
    app = make_app("html", srcdir=tmp_path / "edited", freshenv=False)
    add_export(app, "broken.txt", broken, "a broken export")
    with pytest.raises(SphinxError, match="no bytes for this export"):
        app.build()
    assert not made_folder.exists()
    assert not (app.outdir / "broken.txt").exists()


def test_compiled_templates_are_cached_beside_the_doctrees(build):
    app = build({"page": "# Page\n\nText.\n"})
    cached = list((app.doctreedir / "jinja-cache").glob("*.cache"))
    # page.html and the templates it extends and includes: compiled once, reused
    assert len(cached) >= 5


# --- rows kept between builds (anchor_sop.rowcache) ------------------------------

#: Every traceability view on one page: the gaps view has two tables.
TRACE_PAGE = "# Trace\n\n" + "".join(
    f"```{{traceability}} {view}\n```\n\n"
    for view in ("matrix", "reverse", "gaps", "responsibility")
)


def _build_trace(make_app, srcdir, pages, fresh: bool, **overrides):
    write_pages(srcdir, pages)
    app = make_app("html", srcdir=srcdir, freshenv=fresh, confoverrides=overrides)
    app.build()
    app.cleanup()
    assert warnings_of(app) == []
    return app


def _kept_file(app):
    return app.doctreedir / "anchor-rows" / "html" / "trace.pickle"


def test_a_rebuild_with_kept_rows_writes_what_a_fresh_build_writes(make_app, tmp_path):
    pages = {**snippet_pages(), "trace": TRACE_PAGE}
    first = _build_trace(make_app, tmp_path / "src", pages, fresh=True)
    assert _kept_file(first).is_file()

    # a rule retitled: its matrix row and the reverse rows whose links name it change
    pages["policy"] = pages["policy"].replace("{rule} Retention", "{rule} Kept for years")
    again = _build_trace(make_app, tmp_path / "src", pages, fresh=False)
    fresh = _build_trace(make_app, tmp_path / "fresh", pages, fresh=True)
    page = (again.outdir / "trace.html").read_text()
    assert "Kept for years" in page
    assert page == (fresh.outdir / "trace.html").read_text()
    assert (again.outdir / "searchindex.js").read_text() == (
        fresh.outdir / "searchindex.js"
    ).read_text()


def test_a_rebuild_keeps_the_sidebar_until_a_page_title_changes(make_app, tmp_path):
    """navigation.py: an edit of a page's body takes the sidebar tree the last build
    read; a retitled page reads it again; both write what a fresh build writes."""
    pages = snippet_pages()
    first = _build_trace(make_app, tmp_path / "src", pages, fresh=True)
    assert first.anchor_sop.navigation.kept is False

    pages["policy"] = pages["policy"].replace("Keep 7 daily", "Keep seven daily")
    body = _build_trace(make_app, tmp_path / "src", pages, fresh=False)
    assert body.anchor_sop.navigation.kept is True
    fresh = _build_trace(make_app, tmp_path / "fresh", pages, fresh=True)
    page = (body.outdir / "policy.html").read_text()
    assert "Keep seven daily" in page
    assert page == (fresh.outdir / "policy.html").read_text()

    # one page rewritten alone: the builds before wrote every page (write_pages
    # touches them all), starting with another one; writing a page attaches its
    # neighbours' titles to a throwaway document (Sphinx's render_partial), which
    # the tree's digest must not see
    srcdir = tmp_path / "src"
    (srcdir / "policy.md").write_text(pages["policy"].replace("seven daily", "7 daily"))
    alone = make_app("html", srcdir=srcdir, freshenv=False)
    alone.build()
    alone.cleanup()
    assert alone.anchor_sop.navigation.kept is True

    pages["checklist"] = pages["checklist"].replace("# Handoff Acceptance", "# Handover Acceptance")
    retitled = _build_trace(make_app, tmp_path / "src", pages, fresh=False)
    assert retitled.anchor_sop.navigation.kept is False
    fresh = _build_trace(make_app, tmp_path / "fresh", pages, fresh=True)
    for name in ["checklist.html", "index.html"]:  # the page and the one listing it
        page = (retitled.outdir / name).read_text()
        assert "Handover Acceptance Checklist</a></li>" in page  # in the sidebar
        assert "Handoff Acceptance Checklist" not in page
        assert page == (fresh.outdir / name).read_text()


def test_unchanged_rows_are_written_as_kept(make_app, tmp_path):
    import pickle

    pages = {**snippet_pages(), "trace": TRACE_PAGE}
    first = _build_trace(make_app, tmp_path / "src", pages, fresh=True)
    context, rows = pickle.loads(_kept_file(first).read_bytes())
    # mark every kept row, to see which ones the next build takes as kept
    marked = {key: (f"<!--kept-->{html}", texts) for key, (html, texts) in rows.items()}
    _kept_file(first).write_bytes(pickle.dumps((context, marked)))

    pages["policy"] = pages["policy"].replace("{rule} Retention", "{rule} Kept for years")
    again = _build_trace(make_app, tmp_path / "src", pages, fresh=False)
    soup = BeautifulSoup((again.outdir / "trace.html").read_text(), "html.parser")
    matrix_rows = soup.select("table.anchor-trace-matrix tbody tr")
    remade = [row for row in matrix_rows if "<!--kept-->" not in str(row)]
    # the retitled rule's row alone is made again; the others come as kept
    assert [row.find("a").get_text() for row in remade] == ["BKP-03"]
    assert "Kept for years" in remade[0].get_text()
    assert len(matrix_rows) > 1


def test_kept_rows_load_without_a_python_call(make_app, tmp_path):
    """render.NeedRef: the needs a kept row's recipe names are plain tuples, so its
    file holds no class or function to call (a named tuple's ``__new__`` ran once
    for every need a view names, each time its kept rows were loaded)."""
    import pickletools

    pages = {**snippet_pages(), "trace": TRACE_PAGE}
    first = _build_trace(make_app, tmp_path / "src", pages, fresh=True)
    data = _kept_file(first).read_bytes()
    opcodes = {op.name for op, _arg, _pos in pickletools.genops(data)}
    calls = {"GLOBAL", "STACK_GLOBAL", "REDUCE", "NEWOBJ", "NEWOBJ_EX", "BUILD", "INST", "OBJ"}
    assert "BKP-03" in data.decode("utf-8", "replace")
    assert opcodes & calls == set()


def test_kept_rows_are_dropped_when_the_addresses_change(make_app, tmp_path):
    pages = {**snippet_pages(), "trace": TRACE_PAGE}
    _build_trace(make_app, tmp_path / "src", pages, fresh=True)
    again = _build_trace(make_app, tmp_path / "src", pages, fresh=False, html_link_suffix=".htm")
    soup = BeautifulSoup((again.outdir / "trace.html").read_text(), "html.parser")
    links = [a["href"] for a in soup.select("table.anchor-trace-matrix tbody a")]
    assert "policy.htm#BKP-03" in links
    assert not any(".html" in link for link in links)


def test_a_damaged_kept_file_is_ignored(make_app, tmp_path):
    pages = {**snippet_pages(), "trace": TRACE_PAGE}
    first = _build_trace(make_app, tmp_path / "src", pages, fresh=True)
    expected = (first.outdir / "trace.html").read_text()
    _kept_file(first).write_bytes(_kept_file(first).read_bytes()[:100])  # cut short

    pages["policy"] = pages["policy"].replace("Keep 7 daily", "Keep 7  daily")
    (tmp_path / "src" / "trace.md").write_text(TRACE_PAGE + "\n")  # rewrite the views' page
    again = _build_trace(make_app, tmp_path / "src", pages, fresh=False)
    assert (again.outdir / "trace.html").read_text() == expected


def test_a_build_process_freezes_what_is_alive_as_it_exits(tmp_path):
    """The collector's last walks at exit skip what the build left alive (collector.py),
    and only at exit: the process collects as usual until then."""
    srcdir = tmp_path / "src"
    write_pages(srcdir, snippet_pages())
    script = f"""
import atexit, gc, sys
# registered first, so it runs after the extension's handler
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count()))
from sphinx.cmd.build import main
code = main(["-q", "-W", "-b", "html", {str(srcdir)!r}, {str(tmp_path / "out")!r}])
print("frozen after the build:", gc.get_freeze_count())
sys.exit(code)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "frozen after the build: 0" in result.stdout
    frozen = int(re.search(r"frozen at exit: (\d+)", result.stdout).group(1))
    assert frozen > 10_000


def test_an_edit_skips_walking_the_loaded_environment(make_app, tmp_path, monkeypatch):
    """collector.py: what was loaded stays frozen until reading starts; an edit keeps it
    frozen and collects fully only by pages read or resolved, and its write workers skip
    what they inherited; a cold build collects fully and freezes what is alive by pages,
    at the usual thresholds; the process after a build collects as usual."""
    from anchor_sop.speed import collector

    srcdir = tmp_path / "src"
    pages = snippet_pages()
    write_pages(srcdir, pages)
    usual = gc.get_threshold()
    seen = tmp_path / "seen.jsonl"

    def note(phase: str):
        def handler(*_args) -> None:
            with seen.open("a") as stream:  # from whichever process runs the handler
                state = {"phase": phase, "pid": os.getpid(), "thresholds": gc.get_threshold()}
                stream.write(json.dumps({**state, "frozen": gc.get_freeze_count()}) + "\n")

        return handler

    def build(freshenv: bool) -> tuple[list[dict], int]:
        seen.write_text("")
        full = []

        def count_full(phase: str, info: dict) -> None:
            if phase == "stop" and info["generation"] == 2:
                full.append(info)

        gc.callbacks.append(count_full)
        try:
            app = make_app("html", srcdir=srcdir, freshenv=freshenv, parallel=2)
            app.connect("env-before-read-docs", note("loaded"), priority=900)
            app.connect("env-updated", note("read"))
            app.connect("html-page-context", note("written"))
            app.build()
        finally:
            gc.callbacks.remove(count_full)
        app.cleanup()
        assert warnings_of(app) == []
        # the process is left as it was
        assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == (usual, 0, True)
        return [json.loads(line) for line in seen.read_text().splitlines()], len(full)

    monkeypatch.setattr(collector, "PAGES_PER_COLLECTION", 2)
    cold, _ = build(freshenv=True)
    [loaded] = [state for state in cold if state["phase"] == "loaded"]
    assert loaded["frozen"] > 10_000  # frozen from the load until reading starts
    [read] = [state for state in cold if state["phase"] == "read"]
    assert tuple(read["thresholds"]) == usual
    assert read["frozen"] > 10_000  # collected and frozen by pages, the thaw undone
    workers = [state for state in cold if state["pid"] != os.getpid()]
    assert workers and all(tuple(state["thresholds"]) == usual for state in workers)

    (srcdir / "policy.md").write_text(pages["policy"].replace("Retention", "Backup retention"))
    edit, full_collections = build(freshenv=False)
    [read] = [state for state in edit if state["phase"] == "read"]
    assert read["pid"] == os.getpid()
    assert read["frozen"] > 10_000  # the loaded environment, modules and all
    assert read["thresholds"][:2] == list(usual[:2])  # young garbage as usual
    assert read["thresholds"][2] > 1_000_000  # no automatic full collection
    written = [state for state in edit if state["phase"] == "written"]
    workers = [state for state in written if state["pid"] != os.getpid()]
    assert workers and all(tuple(state["thresholds"]) == usual for state in workers)
    # a worker leaves what it inherited to the main process: frozen, whatever was made since
    assert all(state["frozen"] > read["frozen"] for state in workers)
    # one page read, at least three resolved: a full collection after every second
    assert 2 <= full_collections <= (1 + len(written)) // 2 + 1


def test_with_j_pages_are_written_by_one_worker_per_process(make_app, tmp_path):
    """Sphinx would write with one worker fewer than -j, its main process resolving."""
    srcdir = tmp_path / "src"
    write_pages(srcdir, snippet_pages())
    asked = []

    def note_workers(app, *_args) -> None:
        if os.getpid() == main:  # the first page is written by the main process
            asked.append(app.parallel - 1)  # what Sphinx gives its write workers

    main = os.getpid()
    app = make_app("html", srcdir=srcdir, freshenv=True, parallel=2)
    app.connect("html-page-context", note_workers)
    app.build()
    app.cleanup()
    assert warnings_of(app) == []
    assert asked and set(asked) == {2}
    assert app.parallel == 2  # as given, once the build has finished


def test_with_j_an_edit_resolves_the_pages_drawn_from_every_page_first(make_app, tmp_path):
    """parallel.py: in an edit the views (last by name here) are resolved and handed
    to the write workers right after the page the main process writes, then the
    others; a cold build resolves in shares: the main process the first page and
    the first share, in Sphinx's name order, a worker the rest."""
    from anchor_sop.store import stores

    srcdir = tmp_path / "src"
    pages = snippet_pages()
    views = {
        f"zz-{view}": f"# The {view}\n\n```{{traceability}} {view}\n```\n"
        for view in ("gaps", "matrix")
    }
    write_pages(srcdir, {**pages, **views})
    main = os.getpid()

    def build_resolving(freshenv: bool) -> list[str]:
        resolved = []

        def note_resolved(_app, _doctree, docname: str) -> None:
            if os.getpid() == main:  # every page is resolved by the main process
                resolved.append(docname)

        app = make_app("html", srcdir=srcdir, freshenv=freshenv, parallel=2)
        app.connect("doctree-resolved", note_resolved)
        app.build()
        app.cleanup()
        assert warnings_of(app) == []
        assert sorted({d for d, store in stores(app.env).items() if store.shows_all}) == [*views]
        return resolved

    cold = build_resolving(freshenv=True)
    every = sorted([*pages, *views, "index"])
    assert cold == every[: len(cold)] and 1 < len(cold) < len(every)

    (srcdir / "policy.md").write_text(pages["policy"].replace("Retention", "Backup retention"))
    first, *rest = edit = build_resolving(freshenv=False)
    assert "policy" in edit and set(views) < set(edit) and len(edit) < len(every)
    assert first == min(edit)  # Sphinx's first page, written by the main process
    assert rest == [*views, *sorted(set(rest) - set(views))]


def test_with_j_pages_are_read_in_shares_and_a_few_in_the_main_process(make_app, tmp_path):
    """Workers send back the whole environment as it was forked plus their pages:
    forked before any page is read, each sends back its own share; for one page,
    no worker at all."""
    srcdir = tmp_path / "src"
    pages = snippet_pages()
    write_pages(srcdir, pages)
    readers = tmp_path / "readers.jsonl"

    def note_reader(app, _doctree) -> None:
        with readers.open("a") as stream:  # from whichever process reads the page
            seen = sorted(app.env.all_docs)  # the pages this process's environment holds
            stream.write(json.dumps([os.getpid(), app.env.docname, seen]) + "\n")

    def build_reading(freshenv: bool):
        readers.write_text("")
        app = make_app("html", srcdir=srcdir, freshenv=freshenv, parallel=2)
        app.connect("doctree-read", note_reader)
        app.build()
        app.cleanup()
        assert warnings_of(app) == []
        assert app.parallel == 2  # writing stays parallel
        return app, [json.loads(line) for line in readers.read_text().splitlines()]

    app, cold = build_reading(freshenv=True)
    read_by = {docname: pid for pid, docname, _seen in cold}
    assert sorted(read_by) == sorted(app.env.found_docs) and len(cold) == len(read_by)
    main = sorted(docname for docname, pid in read_by.items() if pid == os.getpid())
    others = sorted(docname for docname, pid in read_by.items() if pid != os.getpid())
    assert len({read_by[docname] for docname in others}) == 1  # one worker beside main
    # contiguous shares, the first the main process's, nearly equal
    assert main + others == sorted(read_by) and abs(len(main) - len(others)) <= 1
    # no process saw a page another one read: each worker sent back its share only
    for pid, docname, seen in cold:
        assert all(read_by[page] == pid for page in seen), (docname, seen)
    assert "Retention" in (srcdir / "_build" / "html" / "checklist.html").read_text()

    (srcdir / "policy.md").write_text(pages["policy"].replace("Retention", "Backup retention"))
    _app, edit = build_reading(freshenv=False)
    assert [(pid, docname) for pid, docname, _seen in edit] == [(os.getpid(), "policy")]
    assert "Backup retention" in (srcdir / "_build" / "html" / "policy.html").read_text()


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


def test_an_event_costs_what_its_listeners_cost(make_app, tmp_path, monkeypatch):
    """events.py: Sphinx put every event's arguments into words for a debug line:
    sphinx-needs' two events with every need, each page's whole body. Only a build
    that prints debug lines (-vv) makes that line now; listeners are called as
    Sphinx calls them, and their errors are raised as Sphinx raises them."""
    import logging

    from sphinx.errors import ExtensionError
    from sphinx_needs.need_item import NeedItem

    srcdir = tmp_path / "src"
    write_pages(srcdir, snippet_pages())
    represented: list[str] = []
    stock_repr = NeedItem.__repr__

    def counted_repr(need: NeedItem) -> str:
        represented.append(need["id"])
        return stock_repr(need)

    monkeypatch.setattr(NeedItem, "__repr__", counted_repr)

    class EmittedLines(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.DEBUG)
            self.events: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            if str(record.msg).startswith("[app] emitting event"):
                self.events.append(record.args[0])

    def build(verbosity: int, listener=None) -> tuple[SphinxTestApp, list[str]]:
        represented.clear()
        app = make_app("html", srcdir=srcdir, freshenv=True, verbosity=verbosity)
        if listener is not None:
            app.connect("needs-before-post-processing", listener)
        lines = EmittedLines()
        logging.getLogger("sphinx").addHandler(lines)
        try:
            app.build()
        finally:
            logging.getLogger("sphinx").removeHandler(lines)
            app.cleanup()
        return app, lines.events

    heard: list[int] = []
    app, lines = build(verbosity=0, listener=lambda _app, needs: heard.append(len(needs)))
    assert warnings_of(app) == []
    [needs] = heard
    assert needs > 0
    assert represented == [] and lines == []

    app, lines = build(verbosity=2)
    assert len(represented) == 2 * needs
    assert {"needs-before-post-processing", "needs-before-sealing", "html-page-context"} <= set(
        lines
    )
    log = app.status.getvalue()
    assert "emitting event: 'needs-before-post-processing'" in log

    # a listener's error: Sphinx's message and the error it came from
    def broken(_app, _needs) -> None:
        raise ValueError("a broken listener")

    with pytest.raises(ExtensionError, match="threw an exception") as raised:
        build(verbosity=0, listener=broken)
    assert isinstance(raised.value.orig_exc, ValueError)


def test_needs_pickle_without_a_field_lookup_per_record(site, monkeypatch):
    """speed/pickling.py: the build environment saves and loads every need as it was,
    without dataclasses' lookup of a record's fields for each of its records."""
    import dataclasses
    import pickle
    import pickletools

    from sphinx_needs.data import SphinxNeedsData

    from anchor_sop.speed.pickling import _field_names, dumps, frozen_slotted_dataclasses

    needs = SphinxNeedsData(site.env).get_needs_view()  # every need, as the build left it
    assert len(needs) > 100
    lookups = []
    stock_fields = dataclasses.fields

    def counted_fields(obj):
        lookups.append(obj if isinstance(obj, type) else type(obj))
        return stock_fields(obj)

    monkeypatch.setattr(dataclasses, "fields", counted_fields)
    _field_names.cache_clear()
    loaded = pickle.loads(dumps(site.env))
    records = frozen_slotted_dataclasses()
    # once per class at most, not three times per need each way (the schema's few
    # dataclasses pickle as before)
    assert 0 < len([cls for cls in lookups if cls in records]) <= len(records)
    again = SphinxNeedsData(loaded).get_needs_view()
    assert list(again) == list(needs)
    for need_id, need in needs.items():
        assert again[need_id] == need  # content, source, links and the rest
        assert repr(again[need_id]) == repr(need)
    # a need is made from a tuple of its slots too (the last step, REDUCE), not
    # filled from a dictionary of them made for each (BUILD)
    need = next(iter(needs.values()))
    steps = [op.name for op, _arg, _pos in pickletools.genops(dumps(need))]
    assert [step for step in steps if step != "MEMOIZE"][-2:] == ["REDUCE", "STOP"]


def test_a_need_with_a_slot_never_set_pickles_as_python_pickles_it():
    """speed/pickling.py: a need missing a slot is pickled as Python does, with the
    slots it has, not refused."""
    import pickle

    from sphinx_needs.need_item import NeedItem

    from anchor_sop.speed.pickling import dumps

    need = object.__new__(NeedItem)
    need._core = {"id": "A-01", "type": "rule"}
    back = pickle.loads(dumps(need))
    assert type(back) is NeedItem
    assert back._core == {"id": "A-01", "type": "rule"}
    assert not hasattr(back, "_extras")


def test_a_record_pickled_with_other_fields_does_not_load(site):
    """speed/pickling.py: the field names travel with the values; a record whose class
    has other fields now (a sphinx-needs release renamed one) fails to load, and is
    never given its values in the wrong fields."""
    import pickle

    from sphinx_needs.data import SphinxNeedsData

    from anchor_sop.speed.pickling import FieldsChanged, dumps

    need = next(iter(SphinxNeedsData(site.env).get_needs_view().values()))
    data = dumps(need)
    assert pickle.loads(data) == need
    renamed = data.replace(b"_core", b"_cora", 1)  # same length: the pickle stays whole
    assert renamed != data
    with pytest.raises(FieldsChanged, match="was pickled with the fields"):
        pickle.loads(renamed)


def test_the_environment_is_saved_with_each_group_of_pages_needs_apart(
    make_app, tmp_path, monkeypatch
):
    """envsave.py: while the build goes on, Sphinx's own file is a placeholder; once it
    has finished the environment is in place, its needs in one file per group of pages;
    an edit pickles anew the group of the page it changed, and no other; the needs
    load as they were saved, in their order."""
    import pickle

    from sphinx.environment import BuildEnvironment
    from sphinx_needs.data import SphinxNeedsData

    from anchor_sop.speed import envsave
    from anchor_sop.speed.envsave import FOLDER, UNSAVED, group_of

    pickled = []  # the pages of each group pickled, as a set of their names
    write_group = envsave._write_group

    def note_group(folder, members):
        pickled.append({need["docname"] for need in members.values()})
        return write_group(folder, members)

    monkeypatch.setattr(envsave, "_write_group", note_group)
    srcdir = tmp_path / "src"
    pages = {
        **snippet_pages(),
        **{f"p-{n}": policy(f"Policy {n}", f"PN{n}", "2026-04-04") for n in range(8)},
    }
    write_pages(srcdir, pages)

    def build(parallel: int, fresh: bool = False, stop: BaseException | None = None):
        app = make_app("html", srcdir=srcdir, freshenv=fresh, parallel=parallel)
        saved = app.doctreedir / "environment.pickle"
        during, as_read = [], {}

        def snapshot(_app, env) -> list[str]:
            # the needs as Sphinx would pickle them (before any is resolved)
            needs = SphinxNeedsData(env).get_needs_mutable()
            as_read.update((key, pickle.dumps(need)) for key, need in needs.items())
            return []

        def look(_app, _builder) -> None:
            during.append(saved.read_bytes() if saved.exists() else None)
            if stop is not None:
                raise stop

        app.connect("env-get-updated", snapshot, priority=999)
        app.connect("write-started", look)
        try:
            app.build()
        finally:
            app.cleanup()
        return app, during[0], saved, as_read

    def loads(data: bytes):
        try:
            return pickle.loads(data)
        except RuntimeError as error:
            return str(error)

    def needs_of(saved):
        needs = pickle.loads(saved.read_bytes())._needs_all_needs
        return {key: pickle.dumps(need) for key, need in needs.items()}

    def files(app) -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in (app.doctreedir / FOLDER).iterdir()}

    app, during, saved, as_read = build(parallel=2, fresh=True)
    assert warnings_of(app) == []
    assert loads(during) == UNSAVED
    assert needs_of(saved) == as_read and list(needs_of(saved)) == list(as_read)
    assert "PN3-01" in as_read
    groups = {group_of(need["docname"]) for need in app.env._needs_all_needs.values()}
    assert len(groups) > 2
    first = files(app)
    assert len(first) == len(groups) == len(pickled)
    assert not (saved.parent / "environment.pickle.partial").exists()

    # an edit: the group of the page it changed is pickled anew, the others kept
    edited = policy("Policy three", "PN3", "2026-04-04").replace("first thing", "third thing")
    (srcdir / "p-3.md").write_text(edited)
    pickled.clear()
    app, during, saved, as_read = build(parallel=2)
    (pages_pickled,) = pickled
    assert "p-3" in pages_pickled
    assert all(group_of(page) == group_of("p-3") for page in pages_pickled)
    assert not app._fresh_env_used and loads(during) == UNSAVED
    assert needs_of(saved) == as_read and list(needs_of(saved)) == list(as_read)
    assert pickle.loads(saved.read_bytes()).titles["p-3"].astext() == "Policy three"
    second = files(app)
    assert len(second) == len(first)
    assert len(second.keys() - first.keys()) == 1
    assert all(second[name] == first[name] for name in second.keys() & first.keys())
    assert "Do the third thing." in (app.outdir / "p-3.html").read_text()

    # a group's file gone: the next build says so and reads every page
    (app.doctreedir / FOLDER / min(second)).unlink()
    (srcdir / "p-4.md").write_text(policy("Policy four", "PN4", "2026-04-04"))
    app, during, saved, as_read = build(parallel=1)
    assert app._fresh_env_used
    assert "the needs saved with this environment could not be read" in app.status.getvalue()
    assert needs_of(saved) == as_read
    assert "Policy four" in (app.outdir / "p-4.html").read_text()

    # stopped before it finished: the next build says so and reads every page
    (srcdir / "p-5.md").write_text(policy("Policy five", "PN5", "2026-04-04"))
    with pytest.raises(KeyboardInterrupt):
        build(parallel=2, stop=KeyboardInterrupt())
    app, during, saved, as_read = build(parallel=1)
    assert app._fresh_env_used
    assert UNSAVED in app.status.getvalue()
    assert "Policy five" in (app.outdir / "p-5.html").read_text()
    assert loads(during) == UNSAVED
    assert isinstance(pickle.loads(saved.read_bytes()), BuildEnvironment)

    # a build that fails leaves neither file (Sphinx deletes its own)
    (srcdir / "p-6.md").write_text(policy("Policy six", "PN6", "2026-04-04"))
    with pytest.raises(Exception, match="stopped on purpose"):
        build(parallel=2, stop=ValueError("stopped on purpose"))
    assert not saved.exists()
    assert not (saved.parent / "environment.pickle.partial").exists()


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
