"""Anchor SOP: the Sphinx extension behind the Anchor MSP field manual.

Each component lives in a module of its own with a ``setup_*`` function that
registers it; :func:`setup` calls them all.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from .changes import setup_changes
from .checklist import setup_checklist
from .collector import setup_collector
from .documents import check_unique_prefixes
from .envsave import setup_envsave
from .events import setup_events
from .exports import NEEDS, add_export, setup_exports
from .gaps import setup_gaps
from .html import setup_html
from .lifecycle import setup_lifecycle
from .matrix import setup_matrix
from .model import NEEDS_JSON
from .navigation import setup_navigation
from .needs_file import needs_json, setup_needs_json
from .needs_model import configure_needs
from .needs_pickle import setup_needs_pickle
from .parallel import setup_parallel
from .pdf import setup_pdf
from .policy import setup_policy
from .render import setup_render
from .search import setup_search
from .sections import setup_sections
from .store import setup_store
from .template import setup_template
from .trace import setup_trace
from .traceability import setup_traceability

__version__ = "0.1.0"

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"


# New lists, never append: a default list is shared by every application of
# a process, and a config that grows changes the build hash (a full rewrite).
def _add_static_path(app: Sphinx) -> None:
    app.config.html_static_path = [*app.config.html_static_path, str(STATIC)]


def _add_templates_path(_app: Sphinx, config) -> None:
    # read when the builder loads its templates, before builder-inited
    config.templates_path = [*config.templates_path, str(TEMPLATES)]


def setup(app: Sphinx) -> dict:
    setup_events(app)
    setup_needs_pickle(app)
    app.setup_extension("sphinx_design")
    app.setup_extension("sphinx_needs")
    app.add_config_value("anchor_owner_roles", ["Anchor MSP Operations Lead"], "env", types=(list,))
    # before sphinx-needs resolves its configuration (priority 12)
    app.connect("config-inited", configure_needs, priority=5)
    app.connect("builder-inited", _add_static_path)
    app.connect("config-inited", _add_templates_path)
    app.add_css_file("anchor-sop.css")
    app.add_js_file("anchor-sop.js", loading_method="defer")
    app.connect("env-check-consistency", check_unique_prefixes)
    setup_store(app)
    setup_render(app)
    setup_exports(app)
    add_export(app, NEEDS_JSON, needs_json, follows=NEEDS)
    setup_needs_json(app)
    setup_html(app)
    setup_navigation(app)
    setup_search(app)
    setup_policy(app)
    setup_checklist(app)
    setup_template(app)
    setup_matrix(app)
    setup_sections(app)
    setup_gaps(app)
    setup_lifecycle(app)
    setup_trace(app)
    setup_traceability(app)
    setup_changes(app)
    setup_pdf(app)
    setup_collector(app)
    setup_parallel(app)
    setup_envsave(app)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 3,
    }
