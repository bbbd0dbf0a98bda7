"""The speedups (:mod:`anchor_sop.speed`): the same pages and exports as the stock
path, nothing of theirs left in a build they are off for, and each one off
outside the releases it is tested with."""

from __future__ import annotations

import copyreg
import gc
import json
import os
import re
import subprocess
import sys
import time
import weakref

import pytest
from bs4 import BeautifulSoup
from docutils import nodes
from docutils import utils as docutils_utils
from myst_parser.mdit_to_docutils import base as myst_base
from myst_parser.parsers import sphinx_ as myst_sphinx
from sphinx.builders import html as html_builder
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment
from sphinx.events import EventManager
from sphinx.testing.util import SphinxTestApp
from sphinx.util import docutils as sphinx_docutils
from sphinx_needs.directives.need import purge_needs

from anchor_sop.render import trace_list
from anchor_sop.speed import SPEEDUPS, assets, markdown, settings, translators
from anchor_sop.speed.tables import cut_apart, made_when_written
from conftest import (
    TRACE_PAGE,
    copy_site,
    policy_page,
    site_pages,
    snippet_pages,
    warnings_of,
    write_pages,
)

#: What the site writes beside its pages.
EXPORTS = [
    "needs.json",
    "traceability.csv",
    "traceability.xlsx",
    "review-status.csv",
    "criteria.csv",
    "soa.csv",
    "oscal-component-definition.json",
    "exports.json",
]


def collector_state() -> tuple:
    return (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count())


@pytest.fixture(scope="module")
def built_pair(tmp_path_factory):
    """The real site built in this process with the speedups on and ``-j 2`` (as
    ``nox -s docs`` builds it) and with them off and serial, at one pinned moment (the
    exports carry it); and the process's collector and pickle dispatch table before and
    after the build without them."""
    pinned = pytest.MonkeyPatch()
    pinned.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))
    try:
        on = _build_site(tmp_path_factory.mktemp("on"), {}, parallel=2)
        before = (collector_state(), dict(copyreg.dispatch_table))
        off = _build_site(tmp_path_factory.mktemp("off"), {"anchor_speedups": False})
        after = (collector_state(), dict(copyreg.dispatch_table))
    finally:
        pinned.undo()
    return on, off, before, after


def _build_site(folder, overrides, parallel: int = 1) -> SphinxTestApp:
    app = SphinxTestApp(
        "html",
        srcdir=copy_site(folder / "source"),
        freshenv=True,
        confoverrides=overrides,
        parallel=parallel,
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return app


def test_the_speedups_write_the_same_pages_and_exports_as_the_stock_path(built_pair, site):
    """With the speedups and -j, the pages and exports of a serial build without them;
    the session's serial build with them writes the same pages."""
    parallel, stock, _before, _after = built_pair
    assert parallel.anchor_sop.speedups == site.anchor_sop.speedups == set(SPEEDUPS)
    assert stock.anchor_sop.speedups == set()
    assert warnings_of(parallel) == warnings_of(stock) == warnings_of(site) == []
    pages = site_pages(parallel)
    assert len(pages) > 40
    assert "traceability/matrix.html" in pages  # the big tables are among them
    assert site_pages(stock) == site_pages(site) == pages
    compared = [*pages, "searchindex.js", *EXPORTS]
    different = [
        name
        for name in compared
        if (parallel.outdir / name).read_bytes() != (stock.outdir / name).read_bytes()
    ]
    assert different == []
    # the exports carry the moment they were built, which the session's build did not pin
    serial = [
        name
        for name in pages
        if (site.outdir / name).read_bytes() != (parallel.outdir / name).read_bytes()
    ]
    assert serial == []


def test_with_the_speedups_off_the_build_uses_sphinxs_own_parts(built_pair):
    """Off, no class is swapped, no method replaced, and the process's collector and
    pickle dispatch table are as they were before the build."""
    parallel, stock, before, after = built_pair
    assert type(stock.events) is EventManager
    assert type(stock.env) is BuildEnvironment
    assert type(stock.builder) is StandaloneHTMLBuilder
    assert "_write_parallel" not in vars(stock.builder)
    assert "get_outdated_docs" not in vars(stock.builder)
    assert "get_outdated_docs" in vars(parallel.builder)
    assert "create_translator" not in vars(stock.builder)
    assert "create_translator" in vars(parallel.builder)
    # module functions swapped while a build with the speedups reads or writes, put back
    assert sphinx_docutils._get_settings is settings._SPHINX_GET_SETTINGS
    assert myst_base.make_document is settings._MYST_MAKE_DOCUMENT
    assert html_builder._file_checksum is assets._SPHINX_CHECKSUM
    assert myst_sphinx.create_md_parser is markdown._MYST_CREATE_MD_PARSER
    assert docutils_utils.get_stylesheet_list is translators._DOCUTILS_STYLESHEETS
    # Jinja looks at the templates' files for each page unless the speedup is on
    assert stock.builder.templates.environment.auto_reload is True
    assert parallel.builder.templates.environment.auto_reload is False
    # sphinx-needs' own purge handler: the purge speedup's is in its place when on
    assert purge_needs in purgers(stock)
    assert purge_needs not in purgers(parallel)
    assert after == before
    assert not (stock.doctreedir / "anchor-needs").exists()
    assert not (stock.doctreedir / "anchor-rows").exists()
    assert not (stock.doctreedir / "jinja-cache").exists()


def purgers(app) -> list:
    return [listener.handler for listener in app.events.listeners["env-purge-doc"]]


def test_the_speedups_register_nothing_process_wide(site):
    """On, the needs are pickled with a dispatch table of their own: the process's is
    untouched, and the collector is back to its usual schedule after the build."""
    from sphinx_needs.need_item import NeedItem

    assert NeedItem not in copyreg.dispatch_table
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert (site.doctreedir / "anchor-needs").is_dir()


def test_a_speedup_outside_its_tested_releases_turns_itself_off(make_app, tmp_path, monkeypatch):
    """A release the speedup is not tested with: one info line, no warning, the stock
    path, and the same pages."""
    from anchor_sop.speed import switch

    untested = switch.Speedup("navigation", SPEEDUPS["navigation"].does, {"furo": "<2000"})
    monkeypatch.setitem(switch.SPEEDUPS, "navigation", untested)
    pages = {"policy": "# Policy\n\nText.\n", "more/checklist": "# Checklist\n\nText.\n"}
    built = {}
    for name in ("guarded", "stock"):
        srcdir = tmp_path / name
        write_pages(srcdir, pages)
        overrides = {} if name == "guarded" else {"anchor_speedups": False}
        app = make_app("html", srcdir=srcdir, freshenv=True, confoverrides=overrides)
        app.build()
        app.cleanup()
        assert warnings_of(app) == []
        built[name] = (
            app,
            {p: (app.outdir / p).read_bytes() for p in ("index.html", "policy.html")},
        )
    guarded = built["guarded"][0]
    assert "navigation" not in guarded.anchor_sop.speedups
    assert "tables" in guarded.anchor_sop.speedups
    log = guarded.status.getvalue()
    assert log.count("speedup is off") == 1
    assert "the 'navigation' speedup is off for this build: furo 2025.12.19 (tested: <2000)" in log
    assert not (guarded.doctreedir / "anchor-navigation").exists()
    assert built["guarded"][1] == built["stock"][1]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (["tables", "nagivation"], "anchor_speedups names 'nagivation', which is not a speedup"),
        ("yes", "anchor_speedups is 'yes'; set it to True, False or a list of"),
    ],
)
def test_a_wrong_speedups_setting_says_what_to_write(make_app, tmp_path, setting, message):
    from sphinx.errors import ConfigError

    write_pages(tmp_path / "src", {"page": "# Page\n"})
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_app("html", srcdir=tmp_path / "src", confoverrides={"anchor_speedups": setting})


def test_a_list_of_speedups_turns_on_those_alone(build):
    app = build({"page": "# Page\n"}, anchor_speedups=["tables", "templates"])
    assert app.anchor_sop.speedups == {"tables", "templates"}
    assert type(app.events) is EventManager
    assert (app.doctreedir / "jinja-cache").is_dir()


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_trace_lists_reach_the_writer_as_one_node_each(site):
    """The "Verified by" lists are made by the process that writes the page; what
    the search index reads of them is the words they show."""
    doctree = site.env.get_and_resolve_doctree(
        "backup-and-restore/backup-policy", site.builder, tags=site.builder.tags
    )
    assert list(doctree.findall(trace_list)) == []
    lazy = list(doctree.findall(made_when_written))
    assert len(lazy) >= 5
    shown = []
    for node in lazy:
        made = node["make"]()
        assert made and all(isinstance(n, nodes.Element) for n in made)
        made_words = [w for n in made for t in n.findall(nodes.Text) for w in words(t.astext())]
        assert sorted(words(node.astext())) == sorted(made_words)
        shown.append(" ".join(made_words))
    assert any(text.startswith("Verified by") and "HAC 05" in text for text in shown)


def test_navigation_marks_the_path_to_the_page(site):
    html = (site.outdir / "backup-and-restore" / "restore-testing-policy.html").read_text()
    assert (
        '<li class="toctree-l1 current has-children"><a class="reference internal" '
        'href="index.html">Backup and Restore</a>' in html
    )
    assert (
        '<li class="toctree-l2 current current-page"><a class="current reference internal" '
        'href="#">Restore Testing Policy</a></li>' in html
    )
    assert 'href="../intro.html"' in html
    assert 'role="switch"' not in html
    assert 'class="caption" role="heading" aria-level="2"' in html


def test_each_page_read_gets_settings_of_its_own(make_app, tmp_path):
    """The settings speedup makes docutils' settings once and copies them per page:
    a file one page includes is that page's dependency alone."""
    srcdir = tmp_path / "src"
    write_pages(
        srcdir,
        {
            "index": "# Home\n\n```{toctree}\nincluding\nplain\n```\n",
            "including": "# Including\n\n```{include} part.txt\n```\n",
            "plain": "# Plain\n\nNothing included.\n",
        },
    )
    (srcdir / "part.txt").write_text("Included words.\n")
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    app.cleanup()
    assert warnings_of(app) == []
    assert "settings" in app.anchor_sop.speedups
    assert {p.name for p in app.env.dependencies["including"]} == {"part.txt"}
    assert "plain" not in app.env.dependencies
    assert "Included words." in (app.outdir / "including.html").read_text()


def test_a_page_whose_front_matter_changes_myst_gets_a_parser_of_its_own(make_app, tmp_path):
    """The markdown speedup keeps one parser for the project's MyST configuration: a
    page read first whose front matter turns on definition lists has them, and the
    page read after it, without that front matter, does not."""
    definition = "Term\n: What the term means.\n"
    srcdir = tmp_path / "src"
    write_pages(
        srcdir,
        {
            "index": "# Home\n\n```{toctree}\nwith-lists\nwithout-lists\n```\n",
            "with-lists": "---\nmyst:\n  enable_extensions: [colon_fence, deflist]\n---\n"
            f"# With\n\n{definition}",
            "without-lists": f"# Without\n\n{definition}",
        },
    )
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    app.cleanup()
    assert warnings_of(app) == []
    assert "markdown" in app.anchor_sop.speedups
    assert "<dl" in (app.outdir / "with-lists.html").read_text()
    without = (app.outdir / "without-lists.html").read_text()
    assert "<dl" not in without
    assert "What the term means." in without


def test_an_edited_template_is_used_by_the_next_build(make_app, tmp_path):
    """The templates speedup stops Jinja looking at the templates' files during a build;
    the next build loads them again."""
    srcdir = tmp_path / "src"
    write_pages(srcdir, {"index": "# Home\n\nText.\n"})
    (srcdir / "_templates").mkdir()
    layout = srcdir / "_templates" / "page.html"
    for marker in ("first-marker", "second-marker"):
        layout.write_text(
            '{% extends "!page.html" %}{% block content %}'
            f"<p>{marker}</p>{{{{ super() }}}}{{% endblock %}}"
        )
        app = make_app("html", srcdir=srcdir, confoverrides={"templates_path": ["_templates"]})
        app.build()
        app.cleanup()
        assert "templates" in app.anchor_sop.speedups
        assert marker in (app.outdir / "index.html").read_text()


def test_pages_written_in_shares_are_those_of_a_serial_build(make_app, tmp_path):
    """A cold build with -j resolves and writes in one share per process: each worker
    sends back its pages' search index entries and images. The pages, the index and
    the images are those of a serial build, and a worker did resolve pages."""
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
        b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02"
        b"\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    pages = {
        f"page-{n:02d}": f"# Page {n}\n\nWord{n} shared words here.\n\n"
        f"```{{index}} single: entry{n}\n```\n\n![Picture {n}](picture-{n}.png)\n"
        for n in range(12)
    }
    pages["index"] = "# Home\n\n```{toctree}\n:glob:\n\npage-*\n```\n"
    resolvers = tmp_path / "resolvers"

    def built(name: str, parallel: int):
        srcdir = tmp_path / name
        write_pages(srcdir, pages)
        for n in range(12):
            (srcdir / f"picture-{n}.png").write_bytes(png)
        app = make_app("html", srcdir=srcdir, freshenv=True, parallel=parallel)
        app.connect(
            "doctree-resolved",
            lambda _app, _doctree, _docname: resolvers.open("a").write(f"{os.getpid()}\n"),
        )
        app.build()
        app.cleanup()
        assert warnings_of(app) == []
        return app

    serial = built("serial", 1)
    resolvers.unlink()
    shares = built("shares", 2)
    assert set(resolvers.read_text().split()) - {str(os.getpid())}  # a worker resolved
    written = sorted(p.name for p in serial.outdir.glob("*.html"))
    assert len(written) > 12
    for name in [*written, "searchindex.js"]:
        assert (shares.outdir / name).read_bytes() == (serial.outdir / name).read_bytes(), name
    images = sorted(p.name for p in (serial.outdir / "_images").iterdir())
    assert len(images) == 12
    assert sorted(p.name for p in (shares.outdir / "_images").iterdir()) == images
    assert "entry11" in (shares.outdir / "searchindex.js").read_text()


@pytest.mark.parametrize("link_suffix", ["", ".htm"])
def test_the_navigation_speedup_follows_the_link_suffix(make_app, tmp_path, link_suffix):
    """``html_link_suffix`` (clean addresses, for one) changes every sidebar link."""
    pages = {"policy": "# Policy\n\nText.\n", "more/checklist": "# Checklist\n\nText.\n"}
    built = {}
    for fast in (True, False):
        srcdir = tmp_path / f"fast-{fast}"
        write_pages(srcdir, pages)
        app = make_app(
            "html",
            srcdir=srcdir,
            freshenv=True,
            confoverrides={"html_link_suffix": link_suffix, "anchor_speedups": fast},
        )
        app.build()
        app.cleanup()
        assert warnings_of(app) == []
        built[fast] = {
            page: (app.outdir / page).read_text() for page in ("index.html", "more/checklist.html")
        }
    assert f'href="../policy{link_suffix}"' in built[True]["more/checklist.html"]
    assert built[True] == built[False]


def test_written_nodes_cut_apart_are_freed_without_the_collector():
    """What the translator made and wrote is freed by reference counting alone."""
    tree = nodes.container("", nodes.paragraph("", "", nodes.strong(text="HAC-05")))
    deepest = weakref.ref(tree[0][0])
    gc.disable()
    try:
        cut_apart(tree)
        del tree
        assert deepest() is None
    finally:
        gc.enable()


def _later(path) -> None:
    """Give ``path`` a modification time ten seconds ahead: an edit made after the build."""
    moment = time.time_ns() + 10**10
    os.utime(path, ns=(moment, moment))


def _found(project) -> tuple:
    return set(project.docnames), dict(project._path_to_docname), dict(project._docname_to_path)


def test_the_files_speedup_finds_what_the_stock_path_finds(make_app, tmp_path):
    """After pages are added, edited, removed and excluded, a doctree and an output
    are lost and an included file changes, the speedup's answers are the stock
    path's, and the class it lends is Sphinx's again before anything is pickled."""
    from sphinx.project import Project

    from anchor_sop.speed import files

    srcdir = tmp_path / "src"
    pages = {
        "index": "# Home\n\n```{toctree}\n:glob:\n*\nsub/*\n```\n",
        "kept": "# Kept\n",
        "edited": "# Edited\n",
        "gone": "# Gone\n",
        "lost-doctree": "# Lost doctree\n",
        "lost-output": "# Lost output\n",
        "including": "# Including\n\n```{include} part.txt\n```\n",
        "sub/deep": "# Deep\n",
    }
    write_pages(srcdir, pages)
    (srcdir / "part.txt").write_text("Included words.\n")
    (srcdir / "notes.txt").write_text("Not a page.\n")
    overrides = {"exclude_patterns": ["_build", "drafts"]}
    first = make_app("html", srcdir=srcdir, freshenv=True, confoverrides=overrides)
    first.build()
    first.cleanup()
    assert warnings_of(first) == []

    (srcdir / "added.md").write_text("# Added\n")
    (srcdir / "drafts").mkdir()
    (srcdir / "drafts" / "excluded.md").write_text("# Excluded\n")
    (srcdir / "gone.md").unlink()
    _later(srcdir / "edited.md")
    _later(srcdir / "part.txt")
    (first.doctreedir / "lost-doctree.doctree").unlink()
    (first.outdir / "lost-output.html").unlink()

    again = make_app("html", srcdir=srcdir, confoverrides=overrides)
    env, builder = again.env, again.builder
    assert type(env) is files._FindsFilesFast
    assert type(env.project) is files._DiscoversFast
    exclude = overrides["exclude_patterns"] + again.config.templates_path
    exclude += builder.get_asset_paths()
    include = again.config.include_patterns

    Project.discover(env.project, exclude, include)
    stock = _found(env.project)
    assert files.discover(env.project, exclude, include)
    assert _found(env.project) == stock
    assert stock[0] == {*pages, "added"} - {"gone"}

    stock_outdated = BuildEnvironment.get_outdated_files(env, False)
    assert stock_outdated == ({"added"}, {"edited", "lost-doctree", "including"}, {"gone"})
    assert files.outdated_files(env, False) == stock_outdated
    assert files.outdated_files(env, True) == BuildEnvironment.get_outdated_files(env, True)

    stock_docs = list(StandaloneHTMLBuilder.get_outdated_docs(builder))
    assert set(stock_docs) == {"added", "edited", "lost-output"}
    assert list(files.outdated_docs(builder)) == stock_docs

    again.build()
    again.cleanup()
    assert type(again.env) is BuildEnvironment
    assert type(again.env.project) is Project
    assert "Included words." in (again.outdir / "including.html").read_text()
    assert (again.outdir / "lost-output.html").exists()


def test_two_files_for_one_page_are_reported_as_the_stock_path_reports_them(make_app, tmp_path):
    """What the stock path has a word for goes to the stock path: its warning, once."""
    srcdir = tmp_path / "src"
    write_pages(srcdir, {"page": "# Page\n"})
    (srcdir / "page.markdown").write_text("# Page again\n")
    overrides = {"source_suffix": {".md": "markdown", ".markdown": "markdown"}}
    app = make_app("html", srcdir=srcdir, freshenv=True, confoverrides=overrides)
    app.build()
    app.cleanup()
    assert "files" in app.anchor_sop.speedups
    assert [w for w in warnings_of(app) if 'multiple files found for the document "page"' in w]


# --- exports made in another process (speed/exports.py) ---------------------------


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


# --- rows kept between builds (speed/tables.py) -----------------------------------


def _build_trace(make_app, srcdir, pages, fresh: bool, **overrides):
    write_pages(srcdir, pages)
    app = make_app("html", srcdir=srcdir, freshenv=fresh, confoverrides=overrides)
    app.build()
    app.cleanup()
    assert warnings_of(app) == []
    return app


def _kept_file(app):
    return app.doctreedir / "anchor-rows" / "html" / "trace.pickle"


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


# --- the collector (speed/collector.py) and -j (speed/parallel.py) ---------------


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


# --- the environment saved and loaded (speed/pickling.py, speed/envsave.py) -------


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
        **{f"p-{n}": policy_page(f"Policy {n}", f"PN{n}", "2026-04-04") for n in range(8)},
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
    edited = policy_page("Policy three", "PN3", "2026-04-04").replace("first thing", "third thing")
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
    (srcdir / "p-4.md").write_text(policy_page("Policy four", "PN4", "2026-04-04"))
    app, during, saved, as_read = build(parallel=1)
    assert app._fresh_env_used
    assert "the needs saved with this environment could not be read" in app.status.getvalue()
    assert needs_of(saved) == as_read
    assert "Policy four" in (app.outdir / "p-4.html").read_text()

    # stopped before it finished: the next build says so and reads every page
    (srcdir / "p-5.md").write_text(policy_page("Policy five", "PN5", "2026-04-04"))
    with pytest.raises(KeyboardInterrupt):
        build(parallel=2, stop=KeyboardInterrupt())
    app, during, saved, as_read = build(parallel=1)
    assert app._fresh_env_used
    assert UNSAVED in app.status.getvalue()
    assert "Policy five" in (app.outdir / "p-5.html").read_text()
    assert loads(during) == UNSAVED
    assert isinstance(pickle.loads(saved.read_bytes()), BuildEnvironment)

    # a build that fails leaves neither file (Sphinx deletes its own)
    (srcdir / "p-6.md").write_text(policy_page("Policy six", "PN6", "2026-04-04"))
    with pytest.raises(Exception, match="stopped on purpose"):
        build(parallel=2, stop=ValueError("stopped on purpose"))
    assert not saved.exists()
    assert not (saved.parent / "environment.pickle.partial").exists()
