"""The reports step: what every view, warning and export reads, computed once per build.

At ``write-started``, once sphinx-needs has resolved every need (its handler
runs at 500), in this order:

1. the trace report (:func:`anchor_sop.traceability.report.build_report`):
   rules, items, their links, coverage; then its checks: links that name no
   need, the coverage gate, suspect links;
2. the records' checks (:func:`anchor_sop.evidence.checks.check_records`);
3. the operation report, from the trace report's rules in force and their
   verifiers (:func:`anchor_sop.evidence.operation.build_operation`): each
   rule's population and findings; then enforced as configured;
4. the frameworks report, from both
   (:func:`anchor_sop.frameworks.report.build_frameworks`): each criterion's
   rules, evidence and implementation state.

All three are kept in :class:`anchor_sop.state.BuildState` (``trace``,
``operation``, ``frameworks``), where the views and exports read them.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx_needs.api import get_needs_view

from .evidence.checks import check_records
from .evidence.operation import build_operation, enforce
from .frameworks.report import build_frameworks
from .state import build_state
from .traceability.report import build_report, check_traceability


def compute_reports(app: Sphinx, _builder=None) -> None:
    state = build_state(app)
    needs = get_needs_view(app)
    state.trace = trace = build_report(app)
    check_traceability(app, trace, needs)
    check_records(app, needs)
    state.operation = build_operation(app, trace.rules, trace.verifiers)
    enforce(app, state.operation, needs)
    state.frameworks = build_frameworks(app, trace, state.operation)


def setup_reports(app: Sphinx) -> None:
    # after sphinx-needs has resolved every need (500)
    app.connect("write-started", compute_reports, priority=600)
