"""needs.json made as an export: with the C JSON encoder, and in an edit beside the writing.

sphinx-needs writes needs.json when the build has finished, in the main
process, with ``json.dump`` to a file, which encodes in Python, chunk by
chunk (``json.dumps`` encodes in C). In an edit of a large project that was
the largest single step after the pages. Here the file is made as an
export (:mod:`anchor_sop.exports.files`, following every need): with
sphinx-needs' own ``NeedsList`` and the needs its builder would write
(``needs_builder_filter``), dumped by ``NeedsList.dump_json`` (the same
arguments to ``json.dumps``: the same text), and, with the ``parallel``
speedup, in the process that makes the exports while the pages are written.
sphinx-needs' own ``build-finished`` handler is disconnected for this
application. A test compares the file with the one sphinx-needs' ``needs``
builder writes.

It reproduces ``sphinx_needs.builder.NeedsBuilder.finish`` for a project
without ``needs_file``; with one configured, sphinx-needs writes the file.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx_needs import builder as needs_builder
from sphinx_needs.config import NeedsSphinxConfig
from sphinx_needs.data import SphinxNeedsData
from sphinx_needs.filter_common import filter_needs_view
from sphinx_needs.needsfile import NeedsList

from ..exports.files import NEEDS, WRITTEN_ANYWAY, add_export
from ..model import NEEDS_JSON
from .switch import when_on


def needs_json(app: Sphinx) -> bytes:
    """needs.json, as sphinx-needs' ``needs`` builder writes it."""
    env = app.env
    config = NeedsSphinxConfig(env.config)
    needs_list = NeedsList(env, app.outdir, app.srcdir)
    version = getattr(env.config, "version", "unset")
    needs_list.wipe_version(version)
    needs = filter_needs_view(
        SphinxNeedsData(env).get_needs_view(),
        config,
        config.builder_filter,
        append_warning="(from need_builder_filter)",
    )
    for need in needs:
        needs_list.add_need(version, need)
    return needs_list.dump_json().encode()


@when_on("needs-json")
def _take_over(app: Sphinx) -> None:
    if NeedsSphinxConfig(app.config).file or not NeedsSphinxConfig(app.config).build_json:
        return  # sphinx-needs merges an imported file, or writes none
    for listener in list(app.events.listeners["build-finished"]):
        if listener.handler is needs_builder.build_needs_json:
            app.disconnect(listener.id)
    add_export(app, NEEDS_JSON, needs_json, WRITTEN_ANYWAY[NEEDS_JSON], follows=NEEDS)


def setup_needs_json(app: Sphinx) -> None:
    app.connect("builder-inited", _take_over)
