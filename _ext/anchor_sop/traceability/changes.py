"""Changes since the last audit: what differs from an earlier build's needs.

An auditor's first question in a surveillance audit is what changed since
they last looked. The earlier state is a ``needs.json`` (from a previous
audit pack, or built from a git ref by ``python -m anchor_sop.audit --since``),
named by ``anchor_changes_since``; :func:`compare` lists, need by need:

- needs added and removed (rules, checklist items, matrix rows, exceptions);
- title or statement changed, with the old and the new text;
- the owner, last review date or status of a document changed (once per
  document, under its ID prefix);
- links added and removed (item verifies rule, row governed by rule,
  exception exempts rule).

The ``changes-since-audit`` directive shows the list as a table (a page of the
site and of the PDF); ``changes.csv`` holds the same rows::

    <changes_report>   (resolved into)
    <paragraph> Compared with ...: N changes ...
    <table classes="anchor-changes anchor-sortable"> Change | ID | Kind | Page | Old | New
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import get_needs_view

from ..diagnostics import report
from ..exports.files import add_export, csv_bytes
from ..model import (
    CHANGES_CSV,
    DOC_OWNER,
    DOC_REVIEWED,
    DOC_STATUS,
    ID_REGEX,
    NEED_LINKS,
    NEED_TYPES,
    NEEDS_JSON,
    NOT_VERIFIABLE,
    nox_command,
)
from ..model.kinds import KINDS, record_need_types
from ..render import RESOLVE_EVENT, id_link, need_ref, simple_table
from ..state import build_state
from ..store import EVERYTHING, doc_store

Need = Mapping[str, Any]

#: The kinds of change, in the order the report lists them.
CHANGE_KINDS = (
    "added",
    "removed",
    "text changed",
    "record changed",
    "became not verifiable",
    "owner changed",
    "review date changed",
    "status changed",
    "link added",
    "link removed",
)
#: Document fields every need carries, and the change each one's difference is.
DOCUMENT_FIELDS = {
    DOC_OWNER: "owner changed",
    DOC_REVIEWED: "review date changed",
    DOC_STATUS: "status changed",
}
TYPE_TITLES = {spec["directive"]: spec["title"] for spec in [*NEED_TYPES, *record_need_types()]}
HEADER = ["Change", "ID", "Kind", "Page", "Old", "New"]


@dataclass(frozen=True, order=True)
class Change:
    change: str
    need_id: str
    kind: str
    page: str
    old: str = ""
    new: str = ""


class ChangesError(Exception):
    """The earlier needs cannot be read; the message says which file and why."""


def load_needs(path: str | Path) -> dict[str, dict]:
    """The needs of a ``needs.json``, or of the one inside an audit pack (zip)."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as pack:
                members = [n for n in pack.namelist() if n.endswith(f"/{NEEDS_JSON}")]
                if not members:
                    raise ChangesError(f"{path}: the archive holds no {NEEDS_JSON}")
                data = json.loads(pack.read(min(members, key=len)))
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
        return dict(data["versions"][data["current_version"]]["needs"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ChangesError(f"{path}: not a readable needs.json ({error})") from error


def _text(need: Need) -> str:
    content = " ".join(str(need.get("content") or "").split())
    return f"{need['title']}: {content}" if content else str(need["title"])


def _fields_text(need: Need) -> str:
    """A record's fields, as text (a record has no statement: its fields are its text)."""
    kind = KINDS.get(need["type"])
    if kind is None:
        return ""
    names = [f.stored_as for f in kind.fields] + ["results", "example"]
    return "; ".join(f"{name}: {need.get(name)}" for name in names if need.get(name))


def _change(change: str, need: Need, **texts: str) -> Change:
    return Change(
        change,
        need["id"],
        TYPE_TITLES.get(need["type"], need["type"]),
        need["docname"] or "",
        **texts,
    )


def compare(old: Mapping[str, Need], new: Mapping[str, Need]) -> list[Change]:
    """Every change from ``old`` to ``new`` (needs by ID), sorted by kind, then ID."""
    changes: set[Change] = set()
    for need_id in new.keys() - old.keys():
        changes.add(_change("added", new[need_id], new=_text(new[need_id])))
    for need_id in old.keys() - new.keys():
        changes.add(_change("removed", old[need_id], old=_text(old[need_id])))
    for need_id in old.keys() & new.keys():
        before, after = old[need_id], new[need_id]
        if _text(before) != _text(after):
            changes.add(_change("text changed", after, old=_text(before), new=_text(after)))
        if _fields_text(before) != _fields_text(after):
            changes.add(
                _change("record changed", after, old=_fields_text(before), new=_fields_text(after))
            )
        # the quickest way through the coverage gate, listed for the reviewer
        if after.get(NOT_VERIFIABLE) and not before.get(NOT_VERIFIABLE):
            changes.add(_change("became not verifiable", after, new=str(after[NOT_VERIFIABLE])))
        for field, change in DOCUMENT_FIELDS.items():
            # a needs.json from before the field existed says nothing about it
            if field in before and field in after and before[field] != after[field]:
                match = ID_REGEX.match(need_id)
                changes.add(
                    Change(
                        change,
                        match["prefix"] if match else need_id,
                        "Document",
                        after["docname"] or "",
                        str(before[field] or ""),
                        str(after[field] or ""),
                    )
                )
    for need_id in old.keys() | new.keys():
        shown = new.get(need_id) or old[need_id]
        for link in NEED_LINKS:
            before = set(old[need_id].get(link) or []) if need_id in old else set()
            after = set(new[need_id].get(link) or []) if need_id in new else set()
            for target in sorted(after - before):
                changes.add(_change("link added", shown, new=f"{link} {target}"))
            for target in sorted(before - after):
                changes.add(_change("link removed", shown, old=f"{link} {target}"))
    return sorted(changes, key=lambda c: (CHANGE_KINDS.index(c.change), c.need_id, c.old, c.new))


def summary(changes: Iterable[Change]) -> str:
    """ "3 added, 1 text changed", in the order of :data:`CHANGE_KINDS`."""
    counts = {kind: 0 for kind in CHANGE_KINDS}
    for change in changes:
        counts[change.change] += 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no change"


def rows(changes: Iterable[Change]) -> list[list[str]]:
    return [HEADER, *(list(astuple(c)) for c in changes)]


# --- in the build -------------------------------------------------------------


class changes_report(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for the changes table, resolved once every need is known."""


class ChangesSinceAuditDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        node = changes_report()
        self.set_source_info(node)
        doc_store(self.env, self.env.docname).shows = EVERYTHING
        return [node]


def current_changes(app: Sphinx) -> list[Change] | None:
    """The changes since the earlier needs, or None when there are none to compare with."""
    state = build_state(app)
    if state.earlier_needs is None:
        return None
    if state.audit_changes is None:
        state.audit_changes = compare(state.earlier_needs, get_needs_view(app))
    return state.audit_changes


def since_label(app: Sphinx) -> str:
    """What the changes are since, as the reader knows it (a tag, a commit, a file)."""
    return app.config.anchor_changes_since_label or app.config.anchor_changes_since


def _render(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    changes = current_changes(app)
    if changes is None:
        return [
            nodes.paragraph(
                text="This build is not compared with an earlier one. The audit pack "
                f"fills this page: {nox_command('audit', '--since REF')} (a git ref, or "
                "the needs.json or zip of an earlier pack)."
            )
        ]
    label = since_label(app)
    intro = nodes.paragraph(text=f"Compared with {label}: {summary(changes)}.")
    if not changes:
        return [intro]
    needs = get_needs_view(app)
    cells = []
    for change in changes:
        shown = needs.get(change.need_id)
        cells.append(
            [
                nodes.Text(change.change),
                id_link(app, fromdocname, need_ref(shown))
                if shown
                else nodes.literal(text=change.need_id),
                nodes.Text(change.kind),
                nodes.Text(change.page),
                nodes.Text(change.old),
                nodes.Text(change.new),
            ]
        )
    return [intro, simple_table(HEADER, cells, classes=["anchor-changes", "anchor-sortable"])]


def _resolve(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    for node in list(doctree.findall(changes_report)):
        node.replace_self(_render(app, fromdocname))


def _read_earlier_needs(app: Sphinx) -> None:
    """Read the earlier needs before any page, so a bad path is one warning, early."""
    if not app.config.anchor_changes_since:
        return
    try:
        build_state(app).earlier_needs = load_needs(app.config.anchor_changes_since)
    except ChangesError as error:
        report(
            None,
            "changes_since",
            f"anchor_changes_since: {error}",
            "give the needs.json or the zip of an earlier audit pack "
            f"({nox_command('audit', '--since REF')} builds one from a git ref)",
        )
        return
    add_export(
        app,
        CHANGES_CSV,
        lambda app: csv_bytes(rows(current_changes(app) or [])),
        f"the changes since {since_label(app)} as CSV",
    )


def setup_changes(app: Sphinx) -> None:
    app.add_config_value("anchor_changes_since", "", "env", types=(str,))
    app.add_config_value("anchor_changes_since_label", "", "env", types=(str,))
    app.add_node(changes_report)
    app.add_directive("changes-since-audit", ChangesSinceAuditDirective)
    app.connect("builder-inited", _read_earlier_needs)
    app.connect(RESOLVE_EVENT, _resolve)
