"""Operating evidence: the registers the policies require, as validated records.

``kinds`` states every kind of record once; ``records`` holds their directives;
``checks`` what needs every record; ``requirements`` what a rule says its
records must show; ``operation`` whether each rule operates (its population
and findings); ``views`` the registers, system pages, findings and exports.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx_needs.api import get_needs_view

from ..model import EVIDENCE_MODES
from .kinds import CHANGE_AREAS, CHANGE_AREAS_CONFIG

# The submodules are imported in setup_evidence: ``kinds`` configures sphinx-needs
# (needs_model imports it), and the directives import needs_model.


def _check(app: Sphinx, _builder=None) -> None:
    """After the trace report (600): check the records, then compute and enforce."""
    from .checks import check_records
    from .operation import enforce, operation_report

    needs = get_needs_view(app)
    check_records(app, needs)
    app.anchor_sop_operation = None
    enforce(app, operation_report(app), needs)


def setup_evidence(app: Sphinx) -> None:
    from .records import setup_records
    from .runform import setup_run_form
    from .views import setup_views

    app.add_config_value("anchor_evidence_enforcement", EVIDENCE_MODES[0], "env", types=(str,))
    app.add_config_value("anchor_audit_period", "", "env", types=(str,))
    app.add_config_value(CHANGE_AREAS_CONFIG, list(CHANGE_AREAS), "env", types=(list,))
    setup_records(app)
    setup_views(app)
    setup_run_form(app)
    app.connect("write-started", _check, priority=610)
