"""The bridge to sphinx-needs: its configuration, and creating needs.

sphinx-needs is configured here, from :mod:`anchor_sop.model`, so the need
types and link names exist in one place. Needs are created only through
``sphinx_needs.api.add_need``; they are created hidden, because the project's
directives render them (:mod:`anchor_sop.render`), which keeps the HTML valid,
accessible and cheap to write.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import InvalidNeedException, add_need
from sphinx_needs.utils import add_doc

from .diagnostics import option_line, report, source_place
from .evidence.place import place_command
from .model import (
    AS_WRITTEN,
    ID_EXAMPLE,
    ID_REGEX,
    NEED_FIELDS,
    NEED_LINKS,
    NEED_TYPES,
    NEEDS_ID_REGEX,
    id_number,
    next_free_id,
)
from .model.kinds import RECORDS_FOLDER, record_need_fields, record_need_types
from .render import SECTIONS_SWALLOWED, enclosing_need
from .store import digest, doc_store, stores


def configure_needs(_app: Sphinx, config: Config) -> None:
    """Give sphinx-needs the project's need types, links and fields.

    Runs before sphinx-needs reads its configuration (``config-inited``
    priority 12 and later).
    """
    config.needs_types = [dict(t, style="node") for t in [*NEED_TYPES, *record_need_types()]]
    # without their target types: sphinx-needs would check every link's target in
    # every build and warn without a fix; anchor_sop.traceability.links checks them
    # where each link is written, with one
    config.needs_links = {
        name: {
            **{key: value for key, value in spec.items() if key != "target_types"},
            **AS_WRITTEN,
        }
        for name, spec in NEED_LINKS.items()
    }
    config.needs_fields = {
        name: dict(spec) for name, spec in {**NEED_FIELDS, **record_need_fields()}.items()
    }
    config.needs_id_required = True
    config.needs_id_regex = NEEDS_ID_REGEX.pattern
    # needs.json is the auditors' machine-readable export, sphinx-needs' own; without
    # a timestamp, the same sources give the same bytes (the audit pack is reproducible)
    config.needs_build_json = True
    config.needs_reproducible_json = True
    # sphinx-needs would check every need against the field and link schemas on
    # every build, a no-op one too. The fields are text the directives set, and
    # anchor_sop.traceability.links checks the links, with a fix.
    config.needs_schema_validation_enabled = False
    # reported by anchor_sop.traceability.links instead, with a fix (one warning per mistake)
    # ... and a duplicate ID found when the parallel readers' needs are merged, by
    # check_unique_ids, with both places and the next free ID
    config.suppress_warnings = [
        *config.suppress_warnings,
        "needs.link_outgoing",
        "needs.duplicate_id",
    ]


def check_need_id(location: tuple[str, int], need_id: str, prefix: str | None, what: str) -> bool:
    """Report an ID that is missing, off the scheme or off its document's prefix."""
    if not need_id:
        report(
            location,
            "missing_id",
            f"The {what} has no ID",
            f"add ':id: {prefix or 'ABC'}-NN' (next free number; never reuse one)",
        )
        return False
    match = ID_REGEX.match(need_id)
    if match is None:
        report(
            location,
            "bad_id",
            f"The ID {need_id!r} of the {what} does not match the ID scheme PREFIX-NN",
            f"write it like {ID_EXAMPLE}: the document's prefix, a hyphen, and a "
            "number of two to five digits",
        )
        return False
    if prefix and match["prefix"] != prefix:
        report(
            location,
            "foreign_prefix",
            f"The ID {need_id!r} of the {what} does not start with its document's "
            f"prefix {prefix!r}",
            f"rename it to {prefix}-{match['number']} (or the next free number)",
        )
        return False
    return True


def create_need(
    directive: SphinxDirective,
    need_type: str,
    need_id: str,
    title: str,
    *,
    lineno: int | None = None,
    content: str | None = None,
    link_options: dict[str, str] | None = None,
    **fields: object,
) -> list[nodes.Node] | None:
    """Record a need for ``directive``; report (not raise) when sphinx-needs refuses it.

    The need is hidden: sphinx-needs keeps its data (links, back links,
    needs.json) and the directive renders it. The returned (hidden) node stays
    in the doctree so sphinx-needs can tell the section the need is in.
    ``link_options`` names the option each link is written as, when it is not
    the link's own name (a record's ``:system:`` is the ``managed_system`` link).
    """
    env = directive.env
    explicit_line = lineno is not None
    lineno = lineno or directive.lineno
    _check_not_swallowed(directive, need_type, need_id)
    try:
        need_nodes = add_need(
            # sphinx-needs' API takes the application, which a directive reaches only
            # through env.app (as sphinx-needs' own directives do)
            env.app,
            directive.state,
            env.docname,
            lineno,
            need_type=need_type,
            title=title,
            id=need_id,
            content="\n".join(directive.content) if content is None else content,
            hide=True,
            **fields,
        )
    except InvalidNeedException as error:
        if error.type == "duplicate_id":
            # reported with every other use of its number, once all pages are read
            doc_store(env, env.docname).duplicates.append((need_id, lineno))
        else:
            report(
                (env.docname, lineno),
                error.type,
                f"sphinx-needs refused {need_id!r}: {error.message}",
                "correct the value it names",
            )
        return None
    # sphinx-needs post-processes only the documents it knows hold needs
    add_doc(env, env.docname)
    store = doc_store(env, env.docname)
    store.shown[need_id] = digest(repr((need_type, title, sorted(fields.items()))))
    store.lines[need_id] = lineno
    store.links[need_id] = {target for name in NEED_LINKS for target in fields.get(name) or []}
    store.link_lines[need_id] = {
        # a row of data (the matrix) is one place; a directive writes each link as an option
        name: lineno
        if explicit_line
        else option_line(directive, (link_options or {}).get(name, name.replace("_", "-")))
        for name in NEED_LINKS
        if fields.get(name)
    }
    return need_nodes


#: ``env.temp_data`` key: the lines of the needs whose open fence was reported.
SWALLOWING_TOLD = "anchor_sop_swallowing_told"
#: The fence that opens a directive: colons or backticks.
FENCE = re.compile(r"^\s*(?P<fence>:{3,}|`{3,})")


def _check_not_swallowed(directive: SphinxDirective, need_type: str, need_id: str) -> None:
    """A need written inside another need's body: that one's fence was left open (or
    is longer than the fence that was meant to close it). Reported once, here, where
    the swallowed need is written; the need is still made and shown."""
    outer = enclosing_need(directive)
    if outer is None:
        return
    # one mistake, one warning: the first need it swallowed says it
    told = directive.env.temp_data.setdefault(SWALLOWING_TOLD, set())
    if outer.lineno in told:
        return
    told.add(outer.lineno)
    outer_id = outer.options.get("id") or (outer.arguments[0] if outer.arguments else "")
    opening = FENCE.match(outer.block_text)
    fence = opening["fence"] if opening else ":::"
    # what follows on the page may be inside it too: its sections are not checked again
    directive.env.temp_data[SECTIONS_SWALLOWED] = True
    report(
        (directive.env.docname, directive.lineno),
        "swallowed_directive",
        f"The {need_type} {need_id!r} is inside the {outer.name} {outer_id!r} of line "
        f"{outer.lineno}, whose fence is not closed before it",
        f"close the {outer.name} {outer_id} with a line '{fence}' (as many colons as its "
        f"opening) before line {directive.lineno}",
    )


def check_unique_ids(_app: Sphinx, env) -> None:
    """Report every need whose number another need of its prefix already has, as
    written or with other zeros (``INC-002``, ``INC-0002``): at each later place,
    naming the first and the prefix's next free ID."""
    places: dict[tuple[str, int], list[tuple[str, int, str]]] = {}
    for docname, store in stores(env).items():
        for need_id, lineno in [*store.lines.items(), *store.duplicates]:
            if (number := id_number(need_id)) is not None:
                places.setdefault(number, []).append((docname, lineno, need_id))
    repeated = {number: found for number, found in sorted(places.items()) if len(found) > 1}
    if not repeated:
        return
    # a page named by an ID holds that number too (a record's page is named by its ID)
    taken = [need_id for found in places.values() for _doc, _line, need_id in found]
    taken += [docname.rpartition("/")[2] for docname in env.found_docs]
    for (prefix, _number), found in repeated.items():
        (first_doc, first_line, first_id), *others = sorted(found)
        free = next_free_id(prefix, taken)
        for docname, lineno, need_id in others:
            same = "is used twice" if need_id == first_id else f"has the number of {first_id}"
            report(
                (docname, lineno),
                "duplicate_id",
                f"The ID {need_id!r} {same}: {first_id} is already the ID of a need at "
                f"{source_place(env, first_doc, first_line)}",
                f"give this one the next free number of its prefix, {free} "
                "(never reuse a number)" + record_fix(docname, free),
            )


def record_fix(docname: str, free: str) -> str:
    """The rest of a renumbering fix for a record: its page takes the new ID."""
    if not docname.startswith(f"{RECORDS_FOLDER}/"):
        return ""
    return (
        f", and name its page source/{docname.rpartition('/')[0]}/{free}.md "
        f"('{place_command(f'source/{docname}.md')}' does both)"
    )


def replace_need_directive(app: Sphinx, name: str, directive: type) -> None:
    """Register ``directive`` under a need type's name, in place of sphinx-needs' own.

    sphinx-needs registers a generic directive for each need type while it reads
    its configuration (``config-inited``, priority 500); this runs after it.
    """
    app.connect(
        "config-inited",
        lambda app, _config: app.add_directive(name, directive, override=True),
        priority=700,
    )
