"""Writing a record in the browser: one form, made from a kind's fields.

Each ``record-register`` leaves a ``record_form`` placeholder above its table
(once per kind and page; a checklist run is answered item by item on its
checklist's page, :mod:`.runform`). When the page is written it gets what the browser needs
from the build: the next free number of the kind and, for each field that
names something, what it may name (the records of a link's kind, the pages).
The HTML translator writes the form, one control per field of
:mod:`anchor_sop.model.kinds`, and ``static/anchor-sop-records.js`` brings it to life::

    <record_form kind="change" next="2" width="3"
                 options="{"system": [["SYS-01", "Cerberus"]], "incident": [...]}">

In the page a field is a ``div.anchor-form-field`` whose ``data-`` attributes
say what the build checks (``data-required``, ``data-when`` for a field that
applies only when another has one of some values, ``data-type``), so the form
names what the build would reject before the download. The download is the
record's page, in the build's syntax: text options as JSON strings and the
title and sections with Markdown's punctuation escaped, so nothing typed can
end or change a directive. Other builders write nothing of it.
"""

from __future__ import annotations

import json

from docutils import nodes
from sphinx.application import Sphinx

from ..model import NEED_LINKS, nox_command
from ..model.kinds import (
    CHOICE,
    DATE,
    DATETIME,
    KINDS,
    LINK,
    PAGE,
    PERSON,
    UNKNOWN,
    Field,
    Kind,
)
from ..render import RESOLVE_EVENT, add_html_node
from ..store import all_records


class record_form(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Where a record of ``kind`` is written (HTML only)."""


def fill_record_forms(app: Sphinx, doctree: nodes.document, _docname: str) -> None:
    """Give each form the next free number of its kind and what its fields may name."""
    forms = list(doctree.findall(record_form))
    if not forms:
        return
    records = sorted(all_records(app.env), key=lambda r: r.need_id)
    for form in forms:
        kind = KINDS[form["kind"]]
        form.attributes.update(numbering(kind, records))
        form["options"] = {
            spec.name: records_named(spec, records) if spec.type == LINK else _pages(app)
            for spec in kind.fields
            if spec.type in (LINK, PAGE)
        }


def numbering(kind: Kind, records) -> dict[str, int]:
    """Where the browser numbers a new record of ``kind``: the next free number (the
    build's) and its width."""
    digits = kind.next_free_id(r.need_id for r in records if r.kind == kind.directive)
    digits = digits.rpartition("-")[2]
    return {"next": int(digits), "width": len(digits)}


def records_named(spec: Field, records) -> list[tuple[str, str]]:
    """The records (ID, title) a link field may name, examples apart, in ``records``'
    order."""
    kinds = NEED_LINKS[spec.link]["target_types"]
    return [(r.need_id, r.title) for r in records if r.kind in kinds and not r.example]


def _pages(app: Sphinx) -> list[tuple[str, str]]:
    titles = app.env.titles
    return [
        (f"/{docname}", titles[docname].astext() if docname in titles else docname)
        for docname in sorted(app.env.found_docs)
    ]


# --- HTML ---------------------------------------------------------------------------


def visit_record_form_html(self, node: record_form) -> None:
    kind = KINDS[node["kind"]]
    options = node.get("options", {})
    data = {
        "kind": kind.directive,
        "prefix": kind.prefix,
        "next": str(node.get("next", 1)),
        "width": str(node.get("width", kind.id_width)),
        "sections": json.dumps(kind.sections),
    }
    attributes = " ".join(f'data-{key}="{self.attval(value)}"' for key, value in data.items())
    ident = f"anchor-form-{kind.directive}"
    fields = [
        _control(
            self,
            ident,
            Field("title", label="Title", required=True),
            hint="the page's heading, in a few words",
            one_line=True,
        )
    ]
    fields += [_control(self, ident, spec, options.get(spec.name, [])) for spec in kind.fields]
    sections = "".join(
        f'<div class="anchor-form-field anchor-form-section" data-name="{self.attval(name)}" '
        f'data-type="section" data-label="{self.attval(name)}">'
        f'<label for="{ident}-section-{index}">{self.encode(name)}</label>'
        f'<textarea id="{ident}-section-{index}" rows="4"></textarea></div>'
        for index, name in enumerate(kind.sections)
    )
    self.body.append(
        f'<details class="anchor-record-form" {attributes} hidden>'
        f"<summary>{self.encode(kind.form_title)}</summary>"
        '<div class="anchor-form">'
        f"<p>Fill in the {self.encode(kind.title.lower())}; what you type stays in this "
        "browser until you start a new one. The download is the record's page, under a "
        "provisional number: the record command below gives it its final number.</p>"
        f"{''.join(fields)}{sections}"
        '<div class="anchor-form-actions">'
        '<button type="button" class="anchor-form-download">Download the record</button> '
        '<button type="button" class="anchor-form-copy">Copy</button> '
        f'<button type="button" class="anchor-form-new">Start a new '
        f"{self.encode(kind.title.lower())}</button></div>"
        '<p class="anchor-form-message" role="alert"></p>'
        '<div class="anchor-form-commit" hidden><p>In your checkout of the manual, place the '
        "download under its final number (it never writes over a record) and run the "
        "<code>git</code> lines it prints:</p>"
        '<pre class="anchor-run-git anchor-form-git" '
        f'data-command="{self.attval(nox_command("record"))} --"></pre></div>'
        "</div></details>\n"
    )
    raise nodes.SkipNode


def _control(
    self, ident: str, spec: Field, choices=(), hint: str = "", one_line: bool = False
) -> str:
    """One field: its label, its control and what the form checks of it."""
    control_id = f"{ident}-{spec.name}"
    data = {"name": spec.name, "type": spec.type, "label": spec.heading}
    if spec.required:
        data["required"] = "yes"
    if spec.required_when:
        data["required-when"] = json.dumps(spec.required_when)
    if spec.condition:
        data["when"] = json.dumps(spec.condition)
    if spec.many:
        data["many"] = "yes"
    attributes = " ".join(f'data-{key}="{self.attval(value)}"' for key, value in data.items())
    # the form shows "(required)" while the field is
    label = self.encode(spec.heading) + (
        "" if _optional(spec) else ' <span class="anchor-form-required">(required)</span>'
    )
    if spec.type == CHOICE and spec.many:
        boxes = "".join(
            f'<label><input type="checkbox" value="{self.attval(c)}"> {self.encode(c)}</label> '
            for c in spec.choices_in(self.builder.config)
        )
        return (
            f'<fieldset class="anchor-form-field" {attributes}>'
            f"<legend>{label}</legend>{boxes}</fieldset>"
        )
    if spec.type in (CHOICE, LINK):
        values = (
            [(c, c) for c in spec.choices_in(self.builder.config)]
            if spec.type == CHOICE
            else [(value, f"{value} {title}") for value, title in choices]
        )
        if spec.may_be_unknown:
            values.append((UNKNOWN, f"{UNKNOWN} (the sources do not say: a known gap)"))
        empty = "Choose one" if not _optional(spec) else "None"
        control = (
            f'<select id="{control_id}"><option value="">{empty}</option>'
            f"{_option_tags(self, values)}</select>"
        )
    elif spec.type == PAGE:
        control = (
            f'<input id="{control_id}" type="text" list="{control_id}-pages">'
            f'<datalist id="{control_id}-pages">{_option_tags(self, choices)}</datalist>'
        )
    elif spec.type == DATE:
        control = f'<input id="{control_id}" type="date">'
    elif spec.type == DATETIME:
        control = (
            f'<input id="{control_id}" type="datetime-local"> '
            '<button type="button" class="anchor-form-now" '
            f'aria-label="{self.attval(spec.heading)}: now">Now</button>'
        )
    elif spec.type == PERSON or one_line:
        complete = "name" if spec.type == PERSON else "off"
        control = f'<input id="{control_id}" type="text" autocomplete="{complete}">'
    else:
        control = f'<textarea id="{control_id}" rows="2"></textarea>'
    note = f' <span class="anchor-form-hint">({self.encode(hint)})</span>' if hint else ""
    return (
        f'<div class="anchor-form-field" {attributes}>'
        f'<label for="{control_id}">{label}</label>{note} {control}</div>'
    )


def _option_tags(self, choices) -> str:
    return "".join(
        f'<option value="{self.attval(value)}">{self.encode(text)}</option>'
        for value, text in choices
    )


def _optional(spec: Field) -> bool:
    return not spec.required and spec.required_when is None


def setup_record_form(app: Sphinx) -> None:
    app.connect(RESOLVE_EVENT, fill_record_forms)
    add_html_node(app, record_form, visit_record_form_html)
    app.add_js_file("anchor-sop-records.js", loading_method="defer")
