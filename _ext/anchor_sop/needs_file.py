"""needs.json, as sphinx-needs writes it, each need's entry kept between builds.

sphinx-needs' writer (``NeedsList``) makes a dictionary of every need and
dumps the whole file (``json.dumps(..., sort_keys=True)``): 1.7 s at 20,000
needs, in every build that read a page, though an edit changes a few needs.
In that file the needs are one object, each need's entry the JSON of its
dictionary, sorted by ID. So the entries are kept (in the doctree folder, with
each need's page), and an edit makes anew, with ``NeedsList`` itself, only the
entries of the needs on the pages it read, removed or rewrites for what
changed elsewhere (:func:`anchor_sop.trace.pages_changed`: the pages whose
needs link to or from a need that changed, which is every need whose back
links or dead links may differ); the others are taken as kept. The rest of the
file is ``NeedsList``'s own output, with the needs put in its place.

Kept entries are taken only in an edit (a build that reads few pages) and only
when they are those of the build whose environment this one loaded: every
build that reads a page gives the environment a new token, saved with it and
with the entries; an entry's page must be the need's page still. A need whose
entry may depend on other pages' needs (dynamic functions, ``needextend``,
derived fields) makes every entry anew, in that build and the next.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Hashable
from importlib.metadata import version
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_needs.api import get_needs_view
from sphinx_needs.config import NeedsSphinxConfig
from sphinx_needs.data import SphinxNeedsData
from sphinx_needs.filter_common import filter_needs_view
from sphinx_needs.needsfile import NeedsList

from .parallel import reads_few_pages
from .rowcache import code_version, read_kept, write_kept
from .store import pages_read
from .trace import pages_changed

#: Stands for the needs while NeedsList writes the rest (a NUL cannot be in a need's ID).
_NEEDS_GO_HERE = "\0anchor-sop: the needs\0"


#: What a build keeps of needs.json (plain values: any code reads them back): the
#: environment's token, whether every entry depended on its own need alone, and
#: each need's page and entry (its JSON, UTF-8) by ID.
Kept = tuple[str, bool, dict[str, tuple[str, bytes]]]


def _new_token(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """A build that read a page saves an environment of its own (``env-get-updated``)."""
    app.anchor_sop_loaded_token = getattr(env, "anchor_sop_needs_token", None)
    if pages_read(app):
        env.anchor_sop_needs_token = secrets.token_hex(16)
    return []


def _independent(app: Sphinx, needs) -> bool:
    """Whether every need's entry depends on its own need and the links to it alone."""
    data = SphinxNeedsData(app.env)
    return not (
        data.get_or_create_extends()
        or data.get_schema().derived_names
        or any(need.has_dynamic_fields or need.modifications for need in needs)
    )


def _kept_file(app: Sphinx) -> Path:
    return Path(app.doctreedir) / "anchor-needs-json" / f"{app.builder.name}.pickle"


def _context(app: Sphinx, config: NeedsSphinxConfig) -> Hashable:
    return (
        version("sphinx-needs"),
        code_version(),
        app.config.project,
        app.config.version,
        tuple(sorted(config.json_exclude_fields)),
        config.json_remove_defaults,
        config.json_include_link_conditions,
        config.reproducible_json,
    )


def _kept_entries(app: Sphinx, context: Hashable) -> dict[str, tuple[str, bytes]]:
    """The entries the last build kept, if this build may take them."""
    if not reads_few_pages(app):
        return {}  # not even read: 28 MB at 20,000 needs
    kept: Kept | None = read_kept(_kept_file(app), context)
    if kept is None:
        return {}
    token, independent, entries = kept
    loaded = getattr(app, "anchor_sop_loaded_token", None)
    return entries if independent and token == loaded else {}


def needs_json(app: Sphinx) -> bytes:
    """needs.json, the bytes sphinx-needs' ``needs_build_json`` writes."""
    config = NeedsSphinxConfig(app.config)
    needs = filter_needs_view(
        get_needs_view(app), config, config.builder_filter, append_warning="(needs.json)"
    )
    context = _context(app, config)
    independent = _independent(app, needs)
    kept_entries = _kept_entries(app, context) if independent else {}
    changed = pages_changed(app)
    needs_list = NeedsList(app.env, app.outdir, app.confdir)
    needs_list.update_or_add_version(app.config.version)
    version_data = needs_list.needs_list["versions"][app.config.version]
    entries: dict[str, tuple[str, bytes]] = {}
    for need in needs:
        need_id, docname = need["id"], need["docname"]
        entry = kept_entries.get(need_id)
        if entry is None or entry[0] != docname or docname in changed:
            needs_list.add_need(app.config.version, need)
            # its text alone is kept: the dictionaries of a cold build would pile up
            text = json.dumps(version_data["needs"].pop(need_id), sort_keys=True)
            entry = (docname, text.encode())
        entries[need_id] = entry
    token = getattr(app.env, "anchor_sop_needs_token", "")
    kept: Kept = (token, independent, entries)
    write_kept(_kept_file(app), context, kept, plain=True)
    # the rest of the file as NeedsList writes it, then the needs in their place
    version_data["needs"] = _NEEDS_GO_HERE
    version_data["needs_amount"] = len(entries)
    head, tail = needs_list.dump_json().split(json.dumps(_NEEDS_GO_HERE), 1)
    return b"".join([head.encode(), b"{", *_joined_entries(entries), b"}", tail.encode()])


def _joined_entries(entries: dict[str, tuple[str, bytes]]) -> list[bytes]:
    """The needs' object's members, sorted by ID, as parts of one join: the file's
    28 MB are copied once (as one string, then bytes, it was copied five times)."""
    parts = []
    for need_id in sorted(entries):
        parts += (json.dumps(need_id).encode(), b": ", entries[need_id][1], b", ")
    return parts[:-1]


def setup_needs_json(app: Sphinx) -> None:
    # first: whatever else runs then sees this build's token
    app.connect("env-get-updated", _new_token, priority=0)
