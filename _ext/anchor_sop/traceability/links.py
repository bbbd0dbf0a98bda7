"""Links between needs, resolved when a page is written.

Each ``trace_list`` placeholder becomes the list of linked needs, read from
sphinx-needs' resolved data: plain values (:class:`Listing`) and their words,
whose nodes are made at once, or with the ``tables`` speedup by the HTML
translator as it writes the page (:attr:`anchor_sop.state.Seams.made_when_written`).

Because a page shows links written on other pages, an incremental build
rewrites, besides the pages it re-read, every page whose needs link to or
from the re-read needs that show differently (type, title, fields or links)
or came or went, and the aggregate pages that show what changed: each declares
what of every page it shows (titles and front matter, documents, exceptions,
gaps, needs; :func:`pages_to_rewrite`); when the reviewed-links baseline
changed, every page with needs and those showing needs.

A re-read page whose *outside view* (:func:`outside_view`: its title, front
matter, documents, gaps, exceptions and what other pages show of its needs)
is what it was changes nothing elsewhere: an edit of prose, a statement's
white space or an item's criteria rewrites that page alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import partial
from typing import NamedTuple

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_needs.api import get_needs_view

from ..model import SATISFIES, VERIFIES, backlink
from ..model.kinds import KINDS
from ..render import (
    RESOLVE_EVENT,
    NeedRef,
    need_ref,
    need_reference,
    state_badge,
    trace_list,
)
from ..state import build_state, env_state
from ..store import (
    DOCUMENTS,
    EVERYTHING,
    EVIDENCE,
    EXCEPTIONS,
    GAPS,
    NEEDS,
    PAGES,
    DocStore,
    digest,
    pages_read,
    records_of,
    stores,
)
from .report import baseline_fingerprint, link_state, mapping_state


def linked_ids(need, link: str) -> list[str]:
    return sorted(need[link] or [])


class Link(NamedTuple):
    """A linked need as a trace list shows it (plain values)."""

    id: str
    #: ``None`` when no need has the ID.
    need: NeedRef | None
    #: The link's review state, shown when it needs attention.
    state: str | None


class Listing(NamedTuple):
    """What a ``trace_list`` shows: its label, its links, or the text for none."""

    label: str
    empty: str
    links: tuple[Link, ...]


#: Link states a checklist's links show as a badge; a mapping to a criterion shows
#: when it is only proposed.
FLAGGED_STATES = ("suspect", "unreviewed", "proposed")


def resolve_trace_lists(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    placeholders = list(doctree.findall(trace_list))
    if not placeholders:
        return
    needs = get_needs_view(app)
    for node in placeholders:
        need = needs.get(node["need_id"])
        ids = linked_ids(need, node["link"]) if need is not None else []
        links = tuple(_link(app, node, other_id, needs) for other_id in ids)
        if not links and not node["empty"]:
            node.replace_self([])
            continue
        listing = Listing(node["label"], node["empty"], links)
        make = partial(_listing_nodes, app, fromdocname, listing)
        node.replace_self(
            build_state(app).seams.made_when_written(app, make, _listing_text(listing))
        )


def _link(app: Sphinx, node: trace_list, other_id: str, needs) -> Link:
    """The link to ``other_id``; a checklist's link also tells if it is suspect or unreviewed."""
    target = needs.get(other_id)
    if target is None:
        return Link(other_id, None, None)
    if node["link"] == VERIFIES:
        state = link_state(app, node["need_id"], other_id)
    elif node["link"] == backlink(VERIFIES):
        state = link_state(app, other_id, node["need_id"])
    elif node["link"] == SATISFIES:
        state = mapping_state(app, node["need_id"], other_id)
    elif node["link"] == backlink(SATISFIES):
        state = mapping_state(app, other_id, node["need_id"])
    else:
        state = None
    return Link(other_id, need_ref(target), state if state in FLAGGED_STATES else None)


def _listing_nodes(app: Sphinx, fromdocname: str, listing: Listing) -> list[nodes.Node]:
    refs = [_entry(app, fromdocname, link) for link in listing.links]
    if not listing.label:
        # compact form, for a table cell: the links in one line
        line = nodes.paragraph(classes=["anchor-trace", "anchor-trace-inline"])
        for index, ref in enumerate(refs):
            line += [nodes.Text(", "), ref] if index else [ref]
        return [line if refs else nodes.paragraph(text=listing.empty)]
    label = nodes.paragraph(
        "", "", nodes.strong(text=f"{listing.label}:"), classes=["anchor-trace-label"]
    )
    if not refs:
        label += nodes.Text(" ")
        label += nodes.emphasis(text=listing.empty)
        return [nodes.container("", label, classes=["anchor-trace", "anchor-trace-empty"])]
    items = nodes.bullet_list(classes=["anchor-trace-list"])
    for ref in refs:
        items += nodes.list_item("", nodes.paragraph("", "", ref))
    return [nodes.container("", label, items, classes=["anchor-trace"])]


def _entry(app: Sphinx, fromdocname: str, link: Link) -> nodes.Node:
    if link.need is None:
        return nodes.literal(text=f"{link.id} (unknown)")
    entry = nodes.inline("", "", need_reference(app, fromdocname, link.need))
    if link.state:
        entry += [nodes.Text(" "), state_badge(link.state, f"anchor-link-{link.state}")]
    return entry


def _listing_text(listing: Listing) -> str:
    """The words of :func:`_listing_nodes`, for the search index."""
    texts = [f"{listing.label}:"] if listing.label else []
    if not listing.links:
        texts.append(listing.empty)
    for link in listing.links:
        if link.need is None:
            texts.append(f"{link.id} (unknown)")
        else:
            need_id, _docname, title = link.need
            texts += [need_id, title, link.state or ""]
    return "\n".join(texts)


class Changes:
    """What this build re-read: the needs it touched and the needs they link to."""

    def __init__(self) -> None:
        self.needs: set[str] = set()
        self.targets: set[str] = set()
        self.read: set[str] = set()
        #: The pages rewritten for what changed on the pages read.
        self.rewritten: set[str] = set()
        #: What the purged pages held before: what each need showed, and its links.
        self.purged: dict[str, tuple[dict[str, bytes], dict[str, set[str]]]] = {}

    def note(self, need_ids: set[str], links_to: set[str]) -> None:
        self.needs |= need_ids
        self.targets |= links_to


def _changes(app: Sphinx) -> Changes:
    return build_state(app).changes


def _note_purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Before a page's records go (this runs first), note its needs and their links."""
    changes = _changes(app)
    if docname in stores(env):
        store = stores(env)[docname]
        changes.purged[docname] = (dict(store.shown), dict(store.links))


def _note_read(app: Sphinx, _env, docnames: list[str]) -> None:
    changes = _changes(app)
    changes.read |= set(docnames)


def outside_view(env: BuildEnvironment, docname: str) -> dict[str, bytes]:
    """A digest of each kind of thing other pages show of ``docname`` (not where it
    says it), by the names of :data:`~anchor_sop.store.EVERYTHING`; a kind the page
    shows nothing of is left out (the environment keeps one view per page)."""
    store = stores(env).get(docname) or DocStore()
    # front matter (a section's summary is on the landing page); not MyST's word count
    metadata = env.metadata.get(docname, {})
    facts = {
        PAGES: [
            str(env.titles[docname].astext()) if docname in env.titles else "",
            sorted((k, v) for k, v in metadata.items() if k != "wordcount"),
            sorted(store.shows),
        ],
        DOCUMENTS: [dataclasses.replace(r, lineno=0) for r in store.documents],
        EXCEPTIONS: [dataclasses.replace(r, lineno=0) for r in store.exceptions],
        GAPS: store.gaps,
        NEEDS: sorted(store.shown.items()),
        **{
            records_of(kind): [
                dataclasses.replace(r, lineno=0, lines={}) for r in store.records if r.kind == kind
            ]
            for kind in KINDS
        },
        EVIDENCE: sorted(store.evidence.items()),
    }
    return {kind: digest(repr(fact)) for kind, fact in facts.items() if fact}


#: A page name no page has: its outside view is that of a page showing nothing.
NO_PAGE = "\x00"


def _unchanged_outside(env: BuildEnvironment, changes: Changes) -> tuple[set[str], set[str]]:
    """The re-read pages other pages see as before, and what changed on the others (a
    page that came or went: everything); records each page's view for next time."""
    seen = env_state(env).outside
    unchanged, changed_kinds = set(), set()
    for docname in changes.read | set(changes.purged):
        view = outside_view(env, docname) if docname in env.all_docs else None
        before = seen.get(docname)
        if view is not None and before == view:
            unchanged.add(docname)
        else:
            # a page that came or went is measured against a page showing nothing: a new
            # record changes its kind's records, not what every rule requires
            nothing = outside_view(env, NO_PAGE)
            now, then = view or nothing, before or nothing
            changed_kinds |= {kind for kind in EVERYTHING if now.get(kind) != then.get(kind)}
        if view is None:
            seen.pop(docname, None)
        else:
            seen[docname] = view
    return unchanged, changed_kinds


def pages_to_rewrite(
    env: BuildEnvironment,
    changes: Changes,
    baseline_changed: bool,
    unchanged: set[str],
    changed_kinds: set[str],
) -> set[str]:
    """The pages whose links or figures a change on other pages may alter.

    A page shows the titles of the needs its needs link to, and the needs that
    link to its needs; aggregate pages show what they show of every page
    (``DocStore.shows``), rewritten when that changed (``changed_kinds``).
    Stock sphinx-needs leaves such pages stale on an incremental build. Pages
    in ``unchanged`` were re-read but look the same from outside; of the
    others, only the needs that show differently (or came or went) count, with
    what they linked to before and link to now.
    """
    changed = (changes.read | set(changes.purged)) - unchanged
    for docname in changed:
        old_shown, old_links = changes.purged.get(docname, ({}, {}))
        store = stores(env).get(docname)
        new_shown, new_links = (store.shown, store.links) if store else ({}, {})
        differ = {
            need_id
            for need_id in old_shown.keys() | new_shown.keys()
            if old_shown.get(need_id) != new_shown.get(need_id)
        }
        targets = [old_links.get(i, set()) | new_links.get(i, set()) for i in differ]
        changes.note(differ, set().union(*targets))
    # the aggregate pages show every link's review state, which the baseline decides
    shown_changes = changed_kinds | ({NEEDS} if baseline_changed else set())
    affected = set()
    for docname, store in stores(env).items():
        if (
            store.shows & shown_changes
            or store.follows & shown_changes
            or store.links_to & changes.needs
            or store.need_ids & (changes.targets | changes.needs)
            or (baseline_changed and store.need_ids)
        ):
            affected.add(docname)
    return affected - changes.read


def _rewrite_linked_pages(app: Sphinx, env: BuildEnvironment) -> Iterable[str]:
    changes = _changes(app)
    baseline = baseline_fingerprint(app.config.anchor_trace_baseline)
    baseline_changed = env_state(env).baseline != baseline
    env_state(env).baseline = baseline
    if not pages_read(app) and not baseline_changed:
        return []
    unchanged, changed_kinds = _unchanged_outside(env, changes)
    if changes.read >= env.found_docs:
        return []  # every page is written anyway (a cold build)
    changes.rewritten = pages_to_rewrite(env, changes, baseline_changed, unchanged, changed_kinds)
    return sorted(changes.rewritten)


def pages_changed(app: Sphinx) -> set[str]:
    """The pages this build read or removed, and those it rewrites for what they
    show of them: every page whose needs may show differently."""
    changes = _changes(app)
    return changes.read | set(changes.purged) | changes.rewritten


def setup_trace(app: Sphinx) -> None:
    build_state(app).changes = Changes()
    app.add_node(trace_list)
    # before store.py drops the page's records (priority 500)
    app.connect("env-purge-doc", _note_purge, priority=400)
    app.connect("env-before-read-docs", _note_read)
    app.connect("env-get-updated", _rewrite_linked_pages)
    app.connect(RESOLVE_EVENT, resolve_trace_lists)
