"""The frameworks an audit is against: SOC 2 and ISO/IEC 27001 by ID, the rules
mapped to them, the Statement of Applicability, samples and OSCAL.

- :mod:`.catalogs`: the criteria, by ID, with the project's descriptions;
- :mod:`.report`: each criterion's rules, evidence and implementation state
  (the reports step);
- :mod:`.criteria`: the ``framework`` directive (a framework's page) and
  ``criteria.csv``;
- :mod:`.soa`: the ``statement-of-applicability`` directive and ``soa.csv``;
- :mod:`.samples`: the audit period's samples, ``samples.csv``;
- :mod:`.oscal`: the OSCAL component definition.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from .criteria import declare_criteria_exports, setup_criteria
from .oscal import declare_oscal_export
from .samples import declare_samples_exports, setup_samples
from .soa import declare_soa_exports, setup_soa


def _declare_exports(app: Sphinx) -> None:
    # after the evidence's sheets (its handler is connected first)
    declare_criteria_exports(app)
    declare_soa_exports(app)
    declare_samples_exports(app)
    declare_oscal_export(app)


def setup_frameworks(app: Sphinx) -> None:
    app.add_config_value("anchor_framework_titles", "", "env", types=(str,))
    setup_criteria(app)
    setup_soa(app)
    setup_samples(app)
    app.connect("builder-inited", _declare_exports)
