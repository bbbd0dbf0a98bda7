"""Operating evidence: the registers the policies require, as validated records.

Every kind of record is stated once in :mod:`anchor_sop.model.kinds`;
``records`` holds their directives; ``checks`` what needs every record;
``requirements`` what a rule says its records must show; ``operation`` whether
each rule operates (its population and findings); ``registers`` the
registers; ``views`` system pages, findings and exports.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sphinx.application import Sphinx

from ..model import EVIDENCE_MODES
from ..model.kinds import CHANGE_AREAS, CHANGE_AREAS_CONFIG
from ..state import env_state

# The submodules are imported in setup_evidence: the kinds configure sphinx-needs
# (needs_model imports it), and the directives import needs_model.


#: No record is waiting to become late.
NO_DEADLINE = datetime.max.replace(tzinfo=UTC)


def _rewrite_when_a_deadline_passed(app: Sphinx, env) -> list[str]:
    """The pages that show findings, when a record became late since the last build
    (``within`` hours of a date and time): a rebuild later the same day shows it.
    The next such moment is worked out again only when a page was read or it passed."""
    from ..clock import now
    from ..store import all_records, pages_read, stores
    from .operation import Records, pending_deadlines, stored_requirements

    moment = now()
    due = env_state(env).next_deadline
    if due is None or due <= moment or pages_read(app):
        requirements = [requirement for _doc, _rule, requirement in stored_requirements(env)]
        upcoming = pending_deadlines(Records(all_records(env)), requirements)
        env_state(env).next_deadline = min((d for d in upcoming if d > moment), default=NO_DEADLINE)
    if due is None or due > moment:
        return []
    return sorted(
        docname for docname, store in stores(env).items() if store.shows_all or store.follows
    )


def setup_evidence(app: Sphinx) -> None:
    from .recordform import setup_record_form
    from .records import setup_records
    from .registers import setup_registers
    from .runform import setup_run_form
    from .views import setup_views

    app.add_config_value("anchor_evidence_enforcement", EVIDENCE_MODES[0], "env", types=(str,))
    app.add_config_value("anchor_audit_period", "", "env", types=(str,))
    app.add_config_value(CHANGE_AREAS_CONFIG, list(CHANGE_AREAS), "env", types=(list,))
    setup_records(app)
    setup_views(app)
    setup_registers(app)
    # the record form's script first: the run form's uses what it shares
    setup_record_form(app)
    setup_run_form(app)
    app.connect("env-get-updated", _rewrite_when_a_deadline_passed)
