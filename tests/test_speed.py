"""The speedups (:mod:`anchor_sop.speed`): the same pages and exports as the stock
path, nothing of theirs left in a build they are off for, and each one off
outside the releases it is tested with."""

from __future__ import annotations

import copyreg
import gc
import os
import re
import time
import weakref

import pytest
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
from conftest import copy_site, site_pages, warnings_of, write_pages

#: What the site writes beside its pages.
EXPORTS = [
    "needs.json",
    "traceability.csv",
    "traceability.xlsx",
    "review-status.csv",
    "exports.json",
]


def collector_state() -> tuple:
    return (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count())


@pytest.fixture(scope="module")
def built_pair(tmp_path_factory):
    """The real site built in this process with the speedups on and with them off, at
    one pinned moment (the exports carry it); and the process's collector and pickle
    dispatch table before and after the build without them."""
    pinned = pytest.MonkeyPatch()
    pinned.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))
    try:
        on = _build_site(tmp_path_factory.mktemp("on"), {})
        before = (collector_state(), dict(copyreg.dispatch_table))
        off = _build_site(tmp_path_factory.mktemp("off"), {"anchor_speedups": False})
        after = (collector_state(), dict(copyreg.dispatch_table))
    finally:
        pinned.undo()
    return on, off, before, after


def _build_site(folder, overrides) -> SphinxTestApp:
    app = SphinxTestApp(
        "html", srcdir=copy_site(folder / "source"), freshenv=True, confoverrides=overrides
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return app


def test_the_speedups_write_the_same_pages_and_exports_as_the_stock_path(built_pair):
    site, stock, _before, _after = built_pair
    assert site.anchor_sop.speedups == set(SPEEDUPS)
    assert stock.anchor_sop.speedups == set()
    assert warnings_of(site) == warnings_of(stock) == []
    pages = site_pages(site)
    assert len(pages) > 40
    assert "traceability/matrix.html" in pages  # the big tables are among them
    assert site_pages(stock) == pages
    compared = [*pages, "searchindex.js", *EXPORTS]
    different = [
        name
        for name in compared
        if (site.outdir / name).read_bytes() != (stock.outdir / name).read_bytes()
    ]
    assert different == []


def test_with_the_speedups_off_the_build_uses_sphinxs_own_parts(built_pair):
    """Off, no class is swapped, no method replaced, and the process's collector and
    pickle dispatch table are as they were before the build."""
    _site, stock, before, after = built_pair
    assert type(stock.events) is EventManager
    assert type(stock.env) is BuildEnvironment
    assert type(stock.builder) is StandaloneHTMLBuilder
    assert "_write_parallel" not in vars(stock.builder)
    assert "get_outdated_docs" not in vars(stock.builder)
    assert "get_outdated_docs" in vars(_site.builder)
    assert "create_translator" not in vars(stock.builder)
    assert "create_translator" in vars(_site.builder)
    # module functions swapped while a build with the speedups reads or writes, put back
    assert sphinx_docutils._get_settings is settings._SPHINX_GET_SETTINGS
    assert myst_base.make_document is settings._MYST_MAKE_DOCUMENT
    assert html_builder._file_checksum is assets._SPHINX_CHECKSUM
    assert myst_sphinx.create_md_parser is markdown._MYST_CREATE_MD_PARSER
    assert docutils_utils.get_stylesheet_list is translators._DOCUTILS_STYLESHEETS
    # Jinja looks at the templates' files for each page unless the speedup is on
    assert stock.builder.templates.environment.auto_reload is True
    assert _site.builder.templates.environment.auto_reload is False
    # sphinx-needs' own purge handler: the purge speedup's is in its place when on
    assert purge_needs in purgers(stock)
    assert purge_needs not in purgers(_site)
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


def test_parallel_build_writes_the_same_pages(site, tmp_path):
    """``nox -s docs`` builds with -j auto; the pages must not depend on it."""
    srcdir = copy_site(tmp_path / "source")
    parallel = SphinxTestApp("html", srcdir=srcdir, freshenv=True, parallel=2)
    try:
        parallel.build()
    finally:
        parallel.cleanup()
    different = [
        page
        for page in site_pages(site)
        if (site.outdir / page).read_bytes() != (parallel.outdir / page).read_bytes()
    ]
    assert different == []


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
