"""The bridge to sphinx-needs: its configuration, and creating needs.

sphinx-needs is configured here, from :mod:`anchor_sop.model`, so the need
types and link names exist in one place. Needs are created only through
``sphinx_needs.api.add_need``; they are created hidden, because the project's
directives render them (:mod:`anchor_sop.render`), which keeps the HTML valid,
accessible and cheap to write.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import InvalidNeedException, add_need
from sphinx_needs.utils import add_doc

from .diagnostics import option_line, report, source_place
from .evidence.kinds import record_need_fields, record_need_types
from .model import AS_WRITTEN, ID_EXAMPLE, ID_REGEX, NEED_FIELDS, NEED_LINKS, NEED_TYPES
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
    config.needs_id_regex = ID_REGEX.pattern
    # needs.json is the auditors' machine-readable export, sphinx-needs' own; without
    # a timestamp, the same sources give the same bytes (the audit pack is reproducible)
    config.needs_build_json = True
    config.needs_reproducible_json = True
    # sphinx-needs would check every need against the field and link schemas on
    # every build, a no-op one too. The fields are text the directives set, and
    # anchor_sop.traceability.links checks the links, with a fix.
    config.needs_schema_validation_enabled = False
    # reported by anchor_sop.traceability.links instead, with a fix (one warning per mistake)
    config.suppress_warnings = [*config.suppress_warnings, "needs.link_outgoing"]


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
            problem, fix = _duplicate(env, need_id)
        else:
            problem, fix = (
                f"sphinx-needs refused {need_id!r}: {error.message}",
                "correct the value it names",
            )
        report((env.docname, lineno), error.type, problem, fix)
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


def _duplicate(env, need_id: str) -> tuple[str, str]:
    """What to say of an ID used a second time: where the first is, and the next free ID."""
    places = stores(env)
    first = next(
        (
            (docname, store.lines[need_id])
            for docname, store in places.items()
            if need_id in store.lines
        ),
        None,
    )
    where = f" at {source_place(env, *first)}" if first is not None else ""
    prefix = need_id.rpartition("-")[0]
    numbers = [
        int(match["number"])
        for store in places.values()
        for other in store.lines
        if (match := ID_REGEX.match(other)) and match["prefix"] == prefix
    ]
    width = len(need_id.rpartition("-")[2])
    free = f"{prefix}-{max(numbers, default=0) + 1:0{width}d}"
    return (
        f"The ID {need_id!r} is used twice: it is already the ID of a need{where}",
        f"give this one the next free number of its prefix, {free} (never reuse a number)",
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
