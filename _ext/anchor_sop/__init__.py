"""Anchor SOP: the Sphinx extension behind the Anchor MSP field manual.

Each component lives in a module of its own with a ``setup_*`` function that
registers it; :func:`setup` calls them all. The subpackages say what the parts
are for: ``directives`` (what authors write), ``traceability`` (links, the
report and its views, changes, the baseline), ``lifecycle`` (reviews and the
registers), ``exports``, ``audit`` (the audit pack and its PDF) and ``speed``
(everything that patches or replaces a dependency's behaviour, behind the
``anchor_speedups`` switch). The modules at the top are shared by them.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from .audit.pdf import setup_pdf
from .directives.checklist import setup_checklist
from .directives.exception import setup_exception
from .directives.gaps import setup_gaps
from .directives.matrix import setup_matrix
from .directives.policy import setup_policy
from .directives.sections import setup_sections
from .directives.template import setup_template
from .documents import check_unique_prefixes
from .evidence import setup_evidence
from .exports.files import setup_exports
from .exports.workbook import setup_workbook
from .frameworks import setup_frameworks
from .html import setup_html
from .lifecycle import setup_lifecycle
from .needs_model import check_unique_ids, configure_needs
from .pages import setup_pages
from .preview_banner import setup_preview_banner
from .preview_standby import setup_preview_standby
from .render import setup_render
from .reports import setup_reports
from .state import setup_state
from .store import setup_store
from .traceability.changes import setup_changes
from .traceability.links import setup_trace
from .traceability.report import setup_report
from .traceability.views import setup_views as setup_trace_views

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
    setup_state(app)
    # plugged in from above, first: the speedups are decided before any other
    # configuration handler runs, and replace the stock seams they speed up
    app.setup_extension("anchor_sop.speed")
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
    app.connect("env-check-consistency", check_unique_ids)
    setup_store(app)
    setup_render(app)
    setup_exports(app)
    # the workbook's first: the export the Traceability summary lists first
    setup_workbook(app)
    setup_html(app)
    setup_pages(app)
    setup_policy(app)
    setup_checklist(app)
    setup_template(app)
    setup_matrix(app)
    setup_sections(app)
    setup_gaps(app)
    setup_exception(app)
    setup_trace(app)
    setup_report(app)
    # the views' sheets first in the workbook (the summary first of all), then
    # the review status, then the operating evidence's
    setup_trace_views(app)
    setup_lifecycle(app)
    setup_evidence(app)
    # the frameworks' sheets after the evidence's
    setup_frameworks(app)
    setup_changes(app)
    setup_reports(app)
    setup_pdf(app)
    setup_preview_banner(app)
    setup_preview_standby(app)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        # raised when what a read stores changes, so an existing environment is read again
        "env_version": 13,
    }
