"""Recording a checklist run in the browser: the form on every checklist page.

The checklist directive leaves a ``run_form`` placeholder; when the page is
written it gets what the browser needs from the build (the managed systems,
the next free run number) and the HTML translator writes
a form that ``static/anchor-sop-runs.js`` brings to life::

    <run_form prefix="HAC" title="Handoff acceptance" sign_off="True"
              systems="[["SYS-01", "Cerberus"]]" next="1" width="3">

The operator starts a run for a system, answers each item (done, not
applicable with a note, failed with a note; evidence optional), signs off
where the checklist needs it and downloads the record: a checklist-run page
(:mod:`.records`) that builds as it is, dropped into the records folder.
Other builders write nothing of it.
"""

from __future__ import annotations

import json

from docutils import nodes
from sphinx.application import Sphinx

from ..model import nox_command
from ..model.kinds import CHECKLIST_RUN, SYSTEM_FIELD
from ..render import RESOLVE_EVENT, add_html_node
from ..store import all_records
from .recordform import numbering, records_named


class run_form(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Where a run of the checklist ``prefix`` is recorded (HTML only)."""


def fill_run_forms(app: Sphinx, doctree: nodes.document) -> None:
    """Give each form the systems a run may be for and the next free run number."""
    forms = list(doctree.findall(run_form))
    if not forms:
        return
    records = sorted(all_records(app.env), key=lambda r: r.need_id)
    systems = records_named(SYSTEM_FIELD, records)
    numbers = numbering(CHECKLIST_RUN, records)
    for form in forms:
        form["systems"] = systems
        form.attributes.update(numbers)


def visit_run_form_html(self, node: run_form) -> None:
    data = {
        "checklist": node["prefix"],
        "checklist-title": node["title"],
        "sign-off": "yes" if node["sign_off"] else "no",
        "next": str(node.get("next", 1)),
        "width": str(node.get("width", 3)),
        "systems": json.dumps(node.get("systems", []), ensure_ascii=False),
    }
    attributes = " ".join(f'data-{key}="{self.attval(value)}"' for key, value in data.items())
    options = "".join(
        f'<option value="{self.attval(system_id)}">{self.encode(system_id)} '
        f"{self.encode(title)}</option>"
        for system_id, title in node.get("systems", [])
    )
    sign_off = (
        '<div class="anchor-run-signoff">'
        '<label>Signed off by <input type="text" class="anchor-run-signer"></label> '
        '<button type="button" class="anchor-run-sign">Sign off now</button> '
        '<span class="anchor-run-signed" role="status"></span></div>'
        if node["sign_off"]
        else ""
    )
    self.body.append(
        f'<div class="anchor-run" {attributes} hidden>'
        '<p class="anchor-run-heading"><strong>Record a run</strong> for a managed system: '
        "the answers stay in this browser until you download the record or reset the run.</p>"
        '<div class="anchor-run-start">'
        f'<label>System <select class="anchor-run-system">{options}</select></label> '
        '<label>Run by <input type="text" class="anchor-run-by" autocomplete="name"></label> '
        '<button type="button" class="anchor-run-begin">Start run</button></div>'
        '<div class="anchor-run-list" role="group" aria-label="Runs in progress"></div>'
        '<div class="anchor-run-current" hidden>'
        '<p class="anchor-run-progress" role="status"></p>'
        f"{sign_off}"
        '<div class="anchor-run-actions">'
        '<button type="button" class="anchor-run-download">Download the record</button> '
        '<button type="button" class="anchor-run-copy">Copy</button> '
        '<button type="button" class="anchor-run-print">Print</button> '
        '<button type="button" class="anchor-run-reset">Reset this run</button></div>'
        '<p class="anchor-run-message" role="alert"></p>'
        '<div class="anchor-run-commit"><p>In your checkout of the manual, place the '
        "download under its final number (it never writes over a record) and run the "
        "<code>git</code> lines it prints:</p>"
        '<pre class="anchor-run-git" '
        f'data-command="{self.attval(nox_command("record"))} --"></pre></div>'
        "</div></div>\n"
    )
    raise nodes.SkipNode


def _fill(app: Sphinx, doctree: nodes.document, _docname: str) -> None:
    fill_run_forms(app, doctree)


def setup_run_form(app: Sphinx) -> None:
    app.connect(RESOLVE_EVENT, _fill)
    add_html_node(app, run_form, visit_run_form_html)
    app.add_js_file("anchor-sop-runs.js", loading_method="defer")
