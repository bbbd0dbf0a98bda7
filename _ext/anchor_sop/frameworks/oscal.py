"""An OSCAL component definition (JSON) of Anchor's managed operations.

One component, the managed-operations service, with one control
implementation per framework; in each, one implemented requirement per
criterion a rule in force maps to: the rules' statements as its description,
and props for the implementation state, the rules and their mapping states.
UUIDs are version 5, made from what they name, so the same sources give the
same bytes; ``last-modified`` is the build's moment (``SOURCE_DATE_EPOCH``
pins it). The tests validate the file against NIST's OSCAL model
(compliance-trestle's).
"""

from __future__ import annotations

import json
import uuid

from sphinx.application import Sphinx

from ..exports.files import add_export
from ..exports.provenance import provenance
from ..model import OSCAL_JSON
from ..traceability.report import trace_report
from .catalogs import FRAMEWORKS, catalog
from .report import framework_report

OSCAL_VERSION = "1.1.2"
#: Where the props this file names are defined: the project's own names.
PROPS_NAMESPACE = "https://anchor-sop.invalid/ns/oscal"
#: The UUIDs' namespace: every UUID is this file's name for what it describes.
UUIDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://anchor-sop.invalid/oscal")


def _uuid(*names: str) -> str:
    return str(uuid.uuid5(UUIDS, "/".join(names)))


def _prop(name: str, value: str) -> dict:
    return {"name": name, "ns": PROPS_NAMESPACE, "value": value}


def component_definition(app: Sphinx) -> dict:
    trace, frameworks = trace_report(app), framework_report(app)
    statements = {rule["id"]: rule for rule in trace.rules}
    implementations = []
    for framework in FRAMEWORKS:
        known = catalog(framework)
        requirements = []
        for criterion in known.criteria:
            row = frameworks.criteria[criterion.id]
            if not row.rules:
                continue
            text = "\n\n".join(
                f"{ref[0]} {ref[2]}: {' '.join(str(statements[ref[0]]['content']).split())}"
                for ref in row.rules
            )
            requirements.append(
                {
                    "uuid": _uuid(framework, criterion.id),
                    "control-id": criterion.id,
                    "description": text,
                    "props": [
                        _prop("implementation-state", row.state.replace(" ", "-")),
                        *(
                            _prop("rule", f"{ref[0]} ({state})")
                            for ref, state in zip(row.rules, row.mappings, strict=True)
                        ),
                    ],
                }
            )
        if requirements:
            implementations.append(
                {
                    "uuid": _uuid(framework),
                    "source": f"#{framework}",
                    "description": f"{known.name}, {known.edition}: the rules of the Anchor "
                    "SOP manual mapped to its criteria, and their operating state.",
                    "implemented-requirements": requirements,
                }
            )
    origin = provenance(app)
    component = {
        "uuid": _uuid("managed-operations"),
        "type": "service",
        "title": "Anchor MSP managed operations",
        "description": "Monitoring, alerting, backups, secrets, security and incident "
        "response of the production systems Anchor MSP takes over, as the Anchor SOP "
        "manual states and records them.",
        "purpose": "The controls Anchor MSP operates for the systems in its care.",
    }
    if implementations:
        component["control-implementations"] = implementations
    return {
        "component-definition": {
            "uuid": _uuid("component-definition"),
            "metadata": {
                "title": "Anchor SOP: managed operations",
                "last-modified": origin.built,
                "version": origin.commit,
                "oscal-version": OSCAL_VERSION,
            },
            "components": [component],
        }
    }


def oscal_bytes(app: Sphinx) -> bytes:
    return (json.dumps(component_definition(app), indent=2, ensure_ascii=False) + "\n").encode()


def declare_oscal_export(app: Sphinx) -> None:
    add_export(app, OSCAL_JSON, oscal_bytes, "an OSCAL component definition")
