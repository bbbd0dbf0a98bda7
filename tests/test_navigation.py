"""The optimised rendering (the navigation computed once per build, table rows
and trace lists written straight to HTML, each word indexed once per text and
its stem remembered) gives furo's, docutils' and Sphinx's pages and index,
byte for byte."""

from __future__ import annotations

import gc
import re
import weakref

import pytest
from docutils import nodes
from sphinx.search.en import SearchEnglish
from sphinx.testing.util import SphinxTestApp

from anchor_sop.html import cut_apart
from anchor_sop.render import made_when_written, trace_list
from anchor_sop.search import SearchEnglishRemembered
from conftest import REPO, copy_site, site_pages, warnings_of, write_pages


def test_optimised_rendering_writes_the_same_pages_as_the_stock_one(site, tmp_path):
    srcdir = copy_site(tmp_path / "source")
    stock = {
        "anchor_fast_navigation": False,
        "anchor_fast_tables": False,
        "anchor_fast_search": False,
    }
    stock_app = SphinxTestApp("html", srcdir=srcdir, freshenv=True, confoverrides=stock)
    try:
        stock_app.build()
    finally:
        stock_app.cleanup()
    assert site.config.anchor_fast_navigation is True
    assert site.config.anchor_fast_tables is True
    assert site.config.anchor_fast_search is True
    assert type(stock_app.builder.indexer.lang) is SearchEnglish
    pages = site_pages(site)
    assert len(pages) > 40
    # the big tables are among them
    assert "traceability/matrix.html" in pages
    different = [
        page
        for page in [*pages, "searchindex.js"]
        if (site.outdir / page).read_bytes() != (stock_app.outdir / page).read_bytes()
    ]
    assert different == []


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


def test_search_index_stems_as_sphinx_does(site):
    """Each word is stemmed once per build, to the stem Sphinx's English stemmer gives."""
    assert isinstance(site.builder.indexer.lang, SearchEnglishRemembered)
    text = " ".join(page.read_text() for page in (REPO / "source").rglob("*.md"))
    vocabulary = sorted(set(words(text.lower())))
    assert len(vocabulary) > 1000
    remembered, sphinx = SearchEnglishRemembered({}), SearchEnglish({})
    for _ in range(2):  # the second time from what it remembers
        assert [remembered.stem(w) for w in vocabulary] == [sphinx.stem(w) for w in vocabulary]


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


@pytest.mark.parametrize("link_suffix", ["", ".htm"])
def test_optimised_navigation_follows_the_link_suffix(make_app, tmp_path, link_suffix):
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
            confoverrides={"html_link_suffix": link_suffix, "anchor_fast_navigation": fast},
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
