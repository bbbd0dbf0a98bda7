"""What every page must be: titled, in the navigation, and built as its kind of page is.

- A page starts with its title, a ``#`` heading (Sphinx's own warnings of a
  toctree entry without a title are left to this one).
- A page is listed in a toctree, so the navigation reaches it; one that is not
  is told which section's ``index.md`` to list it in (instead of Sphinx's
  "document isn't included in any toctree", which does not say where).
- A policy page has the sections ``Purpose``, ``Scope`` and, last,
  ``Exceptions`` (between them ``Policy``, or the sections of the policy's
  source document); a checklist page (its title ends in "Checklist") has
  ``Purpose`` and ``Checklist``. The design spec's page templates define them;
  :data:`PAGE_SECTIONS` is the one place they are written. Each section
  missing or out of order is one warning.
"""

from __future__ import annotations

import posixpath

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from .diagnostics import report, source_place
from .model.kinds import KINDS, RECORDS_FOLDER
from .render import SECTIONS_SWALLOWED
from .store import doc_store

#: The sections a kind of page has, in order (others may stand between them); a
#: postmortem's and a decision's are their templates'.
PAGE_SECTIONS = {
    "policy": ("Purpose", "Scope", "Exceptions"),
    "checklist": ("Purpose", "Checklist"),
    **{kind.directive: kind.sections for kind in KINDS.values() if kind.sections},
}


def page_kind(env: BuildEnvironment, docname: str, title: str) -> str | None:
    """``policy`` or ``checklist`` for a page whose structure is checked, else ``None``."""
    store = doc_store(env, docname)
    kinds = [record.kind for record in store.documents]
    if "policy" in kinds:
        return "policy"
    if "checklist" in kinds and title.endswith("Checklist"):
        return "checklist"
    return next((r.kind for r in store.records if r.kind in PAGE_SECTIONS), None)


def check_page_structure(app: Sphinx, doctree: nodes.document) -> None:
    """At ``doctree-read``: a page's title and the sections its kind has."""
    env = app.env
    docname = env.docname
    top = next((child for child in doctree.children if isinstance(child, nodes.section)), None)
    if top is None:
        report(
            (docname, 1),
            "missing_title",
            "The page has no title",
            "start the page with its title as a '#' heading, for example '# Backup Policy'",
        )
        return
    title = top[0].astext()
    kind = page_kind(env, docname, title)
    if kind is None or env.temp_data.get(SECTIONS_SWALLOWED):
        return
    sections = [child for child in top.children if isinstance(child, nodes.section)]
    names = [section[0].astext() for section in sections]
    required = PAGE_SECTIONS[kind]
    found = [name for name in names if name in required]
    for position, name in enumerate(required):
        if name not in found:
            before = required[position - 1] if position else None
            report(
                (docname, top.line or 1),
                "page_sections",
                f"The {kind} page {title!r} has no '## {name}' section",
                f"add '## {name}'"
                + (f" after '## {before}'" if before else " right after the title")
                + f" (a {kind} page has {', '.join(required)}, in this order)",
            )
    present = [name for name in required if name in found]
    if found != present:
        report(
            (docname, top.line or 1),
            "page_sections",
            f"The sections of the {kind} page {title!r} are in the order {found}",
            f"put them in the order {', '.join(present)}",
        )


def check_in_toctree(app: Sphinx, env: BuildEnvironment) -> None:
    """At ``env-check-consistency``: every page but the root is in a toctree."""
    included = set().union(*env.included.values())
    for docname in sorted(env.all_docs):
        if (
            docname in env.files_to_rebuild
            or docname == app.config.root_doc
            or docname in included
            or "orphan" in env.metadata[docname]
        ):
            continue
        index = _section_index(env, docname, app.config.root_doc)
        entry = posixpath.relpath(docname, posixpath.dirname(index))
        report(
            (docname, None),
            "not_in_toctree",
            "The page is in no toctree, so the navigation does not reach it",
            f"list '{entry}' in the toctree of {source_place(env, index, None)}",
        )


def mark_records_orphan(app: Sphinx, doctree: nodes.document) -> None:
    """At ``doctree-read``: a record is reached from its register, not the
    navigation, so its page is an orphan (Sphinx's ``orphan`` metadata, as if the
    file said so), which neither Sphinx nor :func:`check_in_toctree` reports."""
    env = app.env
    if env.docname.startswith(f"{RECORDS_FOLDER}/"):
        env.metadata[env.docname]["orphan"] = ""


def _section_index(env: BuildEnvironment, docname: str, root: str) -> str:
    """The index page of the page's section (its folder's, or the nearest above)."""
    folder = posixpath.dirname(docname)
    while folder:
        index = f"{folder}/index"
        if index in env.all_docs and index != docname:
            return index
        folder = posixpath.dirname(folder)
    return root


def _replace_sphinx_warnings(_app: Sphinx, config: Config) -> None:
    # one mistake, one warning: check_in_toctree says where to list the page, and
    # check_page_structure reports a page without a title where it is written
    config.suppress_warnings = [*config.suppress_warnings, "toc.not_included", "toc.no_title"]


def setup_pages(app: Sphinx) -> None:
    app.connect("config-inited", _replace_sphinx_warnings)
    # after the directives have recorded the page's documents
    app.connect("doctree-read", check_page_structure)
    # after Sphinx's metadata collector, which sets the page's metadata anew
    app.connect("doctree-read", mark_records_orphan, priority=900)
    app.connect("env-check-consistency", check_in_toctree)
