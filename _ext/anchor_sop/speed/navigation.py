"""The sidebar navigation, computed once per build instead of once per page.

furo asks Sphinx for the whole toctree on every page and rewrites it with
BeautifulSoup: the cost grows with pages², the main superlinear term of a
large build. Here furo's own output is computed once, for the root page, and
read into a light tree; each page then gets it as a string, with its links
made relative to the page and the path to the page marked current, exactly as
furo would have written it (``tests/test_navigation.py`` compares every page).
An entry off the path to the page is written once per folder of pages and
reused: a page costs its path, not the whole tree.

The tree read is kept for the next build (in the doctree folder, per
builder), under a digest of what furo's tree is made from: the table of
contents and title of every page the root page's toctrees reach (a record
page no toctree lists is not in the tree), the toctrees, section numbers,
tags, the builder, the versions and this package's source. A build in which
none of them changed (an edit of a page's body) takes the kept tree instead
of resolving the whole toctree again. Each page's table of contents and title
enter the digest by a digest of their text, kept with the environment and made
again only for the pages a build read.

With each page it writes, Sphinx writes every page whose toctree lists it,
for the title the toctree may show. A build that finishes writing records the
digest; the next build skips those pages when the digest is the same (no
title, table of contents or toctree changed since), which leaves the pages
byte for byte as they were (in a large project, section pages with a toctree
of hundreds of entries). A build that read a page removes
the record as writing starts, so if it is interrupted it leaves none; a
build that fails leaves its predecessor's, and Sphinx reads and writes
everything after a failure.

The tree it writes has the ARIA fixes of :func:`anchor_sop.html.valid_aria`
already. Without the speedup furo computes the tree itself.
"""

from __future__ import annotations

import hashlib
import pickle
import posixpath
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from furo.navigation import get_navigation_tree
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..state import build_state, env_state
from ..store import digest, pages_purged, pages_read
from .rowcache import code_version, read_kept, write_kept
from .switch import is_on

#: The arguments furo passes to ``toctree()`` for the sidebar.
FURO_TOCTREE_ARGS = {"collapse": False, "titles_only": True, "maxdepth": -1, "includehidden": True}
EXPAND_ICON = '<span class="icon"><svg><use href="#svg-arrow-right"></use></svg></span>'


@dataclass
class NavItem:
    docname: str
    title_html: str
    #: The text of the title, as furo puts it in the checkbox's label.
    title_text: str
    depth: int
    checkbox: int | None = None
    children: list[NavItem] = field(default_factory=list)
    #: The item's page and every page below it (derived from the children).
    pages: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pages = frozenset({self.docname}.union(*(c.pages for c in self.children)))

    def contains(self, docname: str) -> bool:
        return docname in self.pages


@dataclass
class NavGroup:
    caption_html: str | None
    items: list[NavItem]


class Navigation:
    """furo's sidebar tree, read once, written for any page."""

    def __init__(self, builder, groups: list[NavGroup], digest: str, kept: bool) -> None:
        self.builder = builder
        self.groups = groups
        #: The digest of what the tree is made from (:func:`_inputs_digest`).
        self.digest = digest
        #: Whether the tree is the one the last build read (see the module's docstring).
        self.kept = kept
        #: The HTML of an item off the path to the page, by (item, page's folder):
        #: the same for every page of a folder (its links are relative to it).
        self._off_path: dict[tuple[int, str], str] = {}

    def render(self, pagename: str) -> str:
        out: list[str] = []
        for group in self.groups:
            if group.caption_html is not None:
                out.append(
                    f'<p class="caption" role="heading" aria-level="2">{group.caption_html}</p>\n'
                )
            self._render_list(group.items, pagename, out)
        return "".join(out)

    def _render_list(self, items: list[NavItem], pagename: str, out: list[str]) -> None:
        current = any(item.contains(pagename) for item in items)
        out.append('<ul class="current">\n' if current else "<ul>\n")
        for item in items:
            self._render_item(item, pagename, out)
        out.append("</ul>\n")

    def _render_item(self, item: NavItem, pagename: str, out: list[str]) -> None:
        if not item.contains(pagename):
            key = (id(item), posixpath.dirname(pagename))
            if key not in self._off_path:
                written: list[str] = []
                self._write_item(item, pagename, written)
                self._off_path[key] = "".join(written)
            out.append(self._off_path[key])
            return
        self._write_item(item, pagename, out)

    def _write_item(self, item: NavItem, pagename: str, out: list[str]) -> None:
        on_path = item.contains(pagename)
        is_page = item.docname == pagename
        classes = [f"toctree-l{item.depth}"]
        if on_path:
            classes.append("current")
        if item.children:
            classes.append("has-children")
        deepest = is_page or (on_path and not any(c.contains(pagename) for c in item.children))
        if on_path and deepest:
            classes.append("current-page")
        if is_page:
            link = f'<a class="current reference internal" href="#">{item.title_html}</a>'
        else:
            href = self.builder.get_relative_uri(pagename, item.docname)
            link = f'<a class="reference internal" href="{escape(href)}">{item.title_html}</a>'
        out.append(f'<li class="{" ".join(classes)}">{link}')
        if item.children:
            name = f"toctree-checkbox-{item.checkbox}"
            label = escape(f"Toggle navigation of {item.title_text}")
            checked = ' checked=""' if on_path else ""
            out.append(
                f'<input aria-label="{label}"{checked} class="toctree-checkbox" id="{name}" '
                f'name="{name}" type="checkbox"/><label for="{name}">{EXPAND_ICON}</label>'
            )
            self._render_list(item.children, pagename, out)
        out.append("</li>\n")


def read_groups(app: Sphinx) -> list[NavGroup]:
    """furo's sidebar of the root page, read into groups of items."""
    builder = app.builder
    root = app.config.root_doc
    html = get_navigation_tree(builder._get_local_toctree(root, **FURO_TOCTREE_ARGS))
    groups = []
    caption = None
    for element in BeautifulSoup(html, "html.parser").children:
        if not isinstance(element, Tag):
            continue
        if element.name == "p" and "caption" in element.get("class", []):
            caption = element.decode_contents()
        elif element.name == "ul":
            groups.append(NavGroup(caption, _items(builder, root, element, 1)))
            caption = None
        else:
            raise ValueError(f"unexpected navigation element <{element.name}>")
    return groups


def _items(builder, root: str, ul: Tag, depth: int) -> list[NavItem]:
    items = []
    for li in ul.find_all("li", recursive=False):
        link = li.find("a", recursive=False)
        href = link["href"]
        suffix = builder.link_suffix  # html_link_suffix, ".html" unless set
        if "://" in href or "#" in href or not href.endswith(suffix):
            raise ValueError(f"unexpected navigation link {href!r}")
        target = posixpath.normpath(
            posixpath.join(posixpath.dirname(root), href[: len(href) - len(suffix)])
        )
        checkbox = li.find("input", recursive=False)
        sub = li.find("ul", recursive=False)
        items.append(
            NavItem(
                docname=target,
                title_html=link.decode_contents(),
                title_text=link.text,
                depth=depth,
                checkbox=int(checkbox["id"].rsplit("-", 1)[1]) if checkbox else None,
                children=_items(builder, root, sub, depth + 1) if sub else [],
            )
        )
    return items


def _inputs_digest(app: Sphinx) -> str:
    """A digest of everything furo's tree is made from (see the module's docstring)."""
    env = app.env
    reachable = _in_the_tree(env, app.config.root_doc)
    inputs = (
        FURO_TOCTREE_ARGS,
        app.config.root_doc,
        app.builder.name,
        app.builder.link_suffix,
        sorted(app.builder.tags),
        code_version(),
        sorted(env.toctree_includes.items()),
        sorted(env.toc_secnumbers.items()),
        # a page the root's toctrees do not reach (a record, an orphan) is not in the tree
        [
            (name, toc)
            for name, toc in sorted(env_state(env).toc_digests.items())
            if name in reachable
        ],
    )
    return hashlib.sha256(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def _in_the_tree(env: BuildEnvironment, root: str) -> set[str]:
    """The pages the root page's toctrees reach, through each page's own toctrees."""
    reached, waiting = set(), [root]
    while waiting:
        docname = waiting.pop()
        if docname not in reached:
            reached.add(docname)
            waiting.extend(env.toctree_includes.get(docname, ()))
    return reached


def _note_toc_digests(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """A digest of each page's table of contents and title, for the tree's digest, kept
    with the environment (``env-get-updated``, before it is saved): only the pages
    this build read are digested again. A build without the speedup drops them: the next
    one with it makes them all anew."""
    if not is_on(app, "navigation"):
        env_state(env).toc_digests = None
        return []
    digests = env_state(env).toc_digests or {}
    for docname in pages_purged(app) | (digests.keys() - env.tocs.keys()):
        digests.pop(docname, None)
    for docname in env.tocs.keys() - digests.keys():
        # as text, not pickled: writing a page attaches its neighbours' title nodes
        # to a throwaway document (Sphinx's render_partial), which pickling would take
        digests[docname] = digest(
            repr((env.tocs[docname].pformat(), env.titles[docname].pformat()))
        )
    env_state(env).toc_digests = digests
    return []


def _kept_path(app: Sphinx, suffix: str) -> Path:
    return Path(app.doctreedir) / "anchor-navigation" / f"{app.builder.name}.{suffix}"


def kept_or_read(app: Sphinx) -> Navigation:
    """The tree the last build kept, if made from the same inputs; else read and kept."""
    digest = _inputs_digest(app)
    path = _kept_path(app, "pickle")
    groups = read_kept(path, digest)
    if groups is not None:
        return Navigation(app.builder, groups, digest, kept=True)
    groups = read_groups(app)
    write_kept(path, digest, groups)
    return Navigation(app.builder, groups, digest, kept=False)


def _fast(app: Sphinx) -> bool:
    """The speedup is for the page-per-document ``html`` builder (singlehtml and
    dirhtml link differently and keep furo's own computation)."""
    return is_on(app, "navigation") and app.builder.name == "html"


def _navigation(app: Sphinx) -> Navigation:
    state = build_state(app)
    if state.navigation is None:
        state.navigation = kept_or_read(app)
    return state.navigation


def _forget(app: Sphinx, *_args) -> None:
    build_state(app).navigation = None


def _skip_unchanged_parents(app: Sphinx, _builder) -> None:
    """Sphinx writes, with each page, every page whose toctree lists it, for the title
    it may show; skip them when no toctree shows anything new since the last build that
    finished writing (its digest, :func:`_record_finished`)."""
    if not _fast(app):
        return
    path = _kept_path(app, "finished")
    try:
        finished = path.read_text()
    except OSError:
        return
    # a build that read or removed no page shows the toctrees the last one did
    if pages_read(app):
        path.unlink()  # the digest may change: a build that stops early records nothing
        if _navigation(app).digest != finished:
            return
    # hidden only while Sphinx decides which pages to write (restored by _restore_parents)
    build_state(app).files_to_rebuild = app.env.files_to_rebuild
    app.env.files_to_rebuild = {}


def _restore_parents(app: Sphinx, *_args) -> None:
    state = build_state(app)
    if state.files_to_rebuild is not None:
        app.env.files_to_rebuild, state.files_to_rebuild = state.files_to_rebuild, None


def _record_finished(app: Sphinx, exception: Exception | None) -> None:
    """A build that wrote its pages records the digest of the toctrees they show (one
    that wrote none leaves the record as it was)."""
    _restore_parents(app)
    navigation = build_state(app).navigation  # the html builder's only
    if exception is None and navigation is not None:
        _kept_path(app, "finished").write_text(navigation.digest)


def _skip_furo_tree(app: Sphinx, _pagename, _templatename, context, _doctree) -> None:
    """Before furo: its sidebar call to ``toctree()`` returns nothing to compute."""
    if not _fast(app) or "toctree" not in context:
        return
    toctree = context["toctree"]

    def toctree_except_furo_sidebar(**kwargs):
        return "" if kwargs == FURO_TOCTREE_ARGS else toctree(**kwargs)

    context["toctree"] = toctree_except_furo_sidebar


def _set_tree(app: Sphinx, pagename, _templatename, context, _doctree) -> None:
    """After furo: the sidebar tree, from the tree read once (its ARIA already valid)."""
    if "furo_navigation_tree" in context and "toctree" in context and _fast(app):
        context["furo_navigation_tree"] = _navigation(app).render(pagename)


def setup_navigation(app: Sphinx) -> None:
    # before the environment is saved (envsave, priority 1000)
    app.connect("env-get-updated", _note_toc_digests)
    app.connect("write-started", _forget)
    app.connect("write-started", _skip_unchanged_parents)
    # the first page resolved: Sphinx has decided which pages to write
    app.connect("doctree-resolved", _restore_parents)
    app.connect("build-finished", _record_finished)
    # furo computes its tree in its html-page-context handler, at priority 500
    app.connect("html-page-context", _skip_furo_tree, priority=400)
    app.connect("html-page-context", _set_tree, priority=600)
