"""The record directives: one per kind of :mod:`anchor_sop.model.kinds`, and ``action-items``.

Each record is a need of its kind's type (so it is in needs.json, the exports
and the changes report) and a :class:`~anchor_sop.store.Record` in the build
environment (what the registers and the evidence read). A record renders as::

    <container ids="INC-001" classes="anchor-need anchor-record anchor-record-incident">
        <paragraph classes="anchor-need-title"> ID badge, kind, [example badge], permalink
        <record_context need_id="INC-001" kind="incident">, made when written:
            <table classes="anchor-record-facts"> one row per field written
            [<table classes="anchor-run-results"> a checklist run's answers]
            what other records say of it
        [<container classes="anchor-need-body"> its body: a postmortem's prose, ...]

What one record can get wrong is checked here, at its option's line: a
missing field, a value outside its list, a date that is not ISO 8601, a date
and time without its offset. What needs every record (the system it names
exists, the items are its checklist's, the incident numbers run without a
gap) is checked once per build by :mod:`.checks`.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import ClassVar

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from .. import clock
from ..diagnostics import content_line, option_line, report
from ..documents import page_title, parse_date
from ..model.kinds import (
    CHECKLIST,
    CHECKLIST_RUN,
    CHOICE,
    DATE,
    DATETIME,
    ITEM_RESULTS,
    KINDS,
    LINK,
    PAGE,
    POSTMORTEM_KIND,
    RECORDS_FOLDER,
    UNKNOWN,
    Field,
    Kind,
)
from ..needs_model import check_need_id, create_need, replace_need_directive
from ..render import (
    SECTIONS_SWALLOWED,
    id_badge,
    need_body,
    permalink,
    simple_table,
    state_badge,
)
from ..store import EVIDENCE, ActionItem, Gap, ItemResult, Record, doc_store
from .place import place_command

#: ``env.temp_data`` key: the record of the page being read.
CURRENT_RECORD = "anchor_sop_record"


class record_context(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Placeholder for what the other records and the evidence say of ``need_id``."""


def field_of(spec: Field, record_id: str) -> str:
    """A field as a message names it: by the label its page shows."""
    return f"field '{spec.heading}' of {record_id}"


#: What a field holds, read: a date or a date and time parsed, any other value as written.
Value = str | date | datetime


def read_value(location, record_id: str, spec: Field, value: str, config) -> Value | None:
    """The value of its field's type (a date field's date, a date and time field's
    moment, else the text); ``None`` after reporting a value that is not of the type."""
    if value == UNKNOWN and spec.may_be_unknown:
        return value
    choices = spec.choices_in(config)
    wrong = [v for v in spec.values_of(value) if v not in choices]
    if spec.type == CHOICE and (wrong or not spec.values_of(value)):
        listed = ", ".join(choices)
        report(
            location,
            "record_value",
            f"The {field_of(spec, record_id)} is {value!r}, "
            + (f"and {wrong[0]!r}" if spec.many and wrong else "which")
            + f" is not one of {listed}",
            ("write one or more of them, separated by commas, of" if spec.many else "write one of")
            + f" {listed}"
            + (f" (or '{UNKNOWN}', shown as a known gap)" if spec.may_be_unknown else ""),
        )
        return None
    if spec.type == DATE:
        return parse_date(value, location, field_of(spec, record_id))
    if spec.type == DATETIME:
        if mistake := clock.datetime_mistake(value):
            report(
                location,
                "record_datetime",
                f"The {field_of(spec, record_id)} is {value!r}, {mistake[0]}",
                mistake[1],
            )
            return None
        return datetime.fromisoformat(value)
    return value


def record_directive(kind: Kind) -> type[SphinxDirective]:
    """The directive of ``kind``: ``:::{<kind>} <ID>`` with an option per field."""

    class RecordDirective(SphinxDirective):
        required_arguments = 1
        has_content = True
        option_spec: ClassVar[dict] = {
            **{f.name: directives.unchanged for f in kind.fields},
            "example": directives.flag,
        }

        def run(self) -> list[nodes.Node]:
            return read_record(self, kind)

    RecordDirective.__name__ = f"{kind.title.replace(' ', '')}Directive"
    return RecordDirective


def read_record(directive: SphinxDirective, kind: Kind) -> list[nodes.Node]:
    env = directive.env
    docname = env.docname
    location = (docname, directive.lineno)
    need_id = directive.arguments[0].strip()
    values = {
        name: " ".join(directive.options[name].split())
        for name in kind.fields_by_name
        if name in directive.options
    }
    lines = {name: option_line(directive, name) for name in values}
    # a field in error is left out, and the record still made: one mistake, one warning
    moments = _read_fields(directive, kind, need_id, values, lines)
    valid = True
    if CURRENT_RECORD in env.temp_data:
        report(
            location,
            "second_record",
            f"A record page holds one record, and {need_id} is the second",
            "move it, with a '#' title, into a new file outside the records folder, then "
            f"run '{place_command('FILE')}': it gets a page of its own under the "
            "next free number of its kind",
        )
        valid = False
    expected = f"{RECORDS_FOLDER}/{kind.folder}/{need_id}"
    if valid and docname != expected:
        report(
            location,
            "record_place",
            f"The {kind.title.lower()} {need_id} is on the page {docname}.md; a record is "
            "the page named by its ID in its kind's folder",
            f"run '{place_command(f'source/{docname}.md')}': it "
            f"gives the record the next free number of its kind and its page in "
            f"source/{RECORDS_FOLDER}/{kind.folder}/, and never writes over a file",
        )
        valid = False
    # what the record holds ends where the page's sections begin, if its fence is open
    end = _sections_inside(directive, kind, need_id)
    results, answered = (
        _read_results(directive, need_id, end) if kind is CHECKLIST_RUN else ((), ())
    )
    example = "example" in directive.options
    title = page_title(directive)
    box = nodes.container(
        classes=["anchor-need", "anchor-record", f"anchor-record-{kind.directive}"]
    )
    directive.set_source_info(box)
    heading = nodes.paragraph(
        "",
        "",
        id_badge(need_id),
        nodes.Text(" "),
        nodes.strong(text=title),
        nodes.Text(f" ({kind.title.lower()})"),
        classes=["anchor-need-title"],
    )
    if example:
        heading += [nodes.Text(" "), state_badge("example")]
    if valid and check_need_id(location, need_id, kind.prefix, kind.title.lower()):
        fields: dict[str, object] = {}
        for name, value in values.items():
            spec = kind.fields_by_name[name]
            fields[spec.stored_as] = [value] if spec.type == LINK else value
        if results:
            fields["results"] = json.dumps(
                [[r.item_id, r.result, r.note, r.evidence] for r in results], ensure_ascii=False
            )
        if example:
            fields["example"] = "yes"
        status = fields.pop("status", None)
        need_nodes = create_need(
            directive,
            kind.directive,
            need_id,
            title,
            content="",
            status=status,
            link_options={f.link: f.name for f in kind.fields if f.link},
            **fields,
        )
        if need_nodes is not None:
            box["ids"] = [need_id]
            box += need_nodes
            heading += permalink(need_id)
            record = Record(
                kind=kind.directive,
                need_id=need_id,
                title=title,
                values=values,
                lines=lines,
                moments=moments,
                example=example,
                docname=docname,
                lineno=directive.lineno,
                results=results,
                answered=answered,
            )
            store = doc_store(env, docname)
            store.records.append(record)
            env.temp_data[CURRENT_RECORD] = record
            # a field the sources do not give is a known gap, listed with the others
            for name, value in values.items():
                spec = kind.fields_by_name[name]
                if value == UNKNOWN and spec.may_be_unknown:
                    store.gaps.append(
                        Gap(
                            name=f"{title}: {spec.heading.lower()}",
                            text=f"The source documents do not give the {spec.heading.lower()} "
                            f"of the {kind.title.lower()} {need_id}.",
                            docname=docname,
                            target_id=need_id,
                        )
                    )
    box += heading
    if box["ids"]:
        # its facts link the records they name, and its page shows what other
        # records say of it (a system page lists them): made when written
        context = record_context(need_id=need_id, kind=kind.directive)
        directive.set_source_info(context)
        box += context
        doc_store(env, docname).follows = frozenset({EVIDENCE})
    else:
        box += facts_table(kind, values, as_written)  # shown as written, not lost
    if directive.content and kind is not CHECKLIST_RUN:
        box += need_body(directive)
    elif end < len(directive.content):  # a run's body is its answers; then the page's
        box += need_body(directive, end)
    return [box]


#: A Markdown heading: in a record's body, the page's sections its fence swallowed.
HEADING = re.compile(r"^#{1,6}\s")


def _sections_inside(directive: SphinxDirective, kind: Kind, need_id: str) -> int:
    """Where the page's sections begin inside the record (its fence is not closed
    before them), else the content's end. One warning there; the sections are still
    shown, and the page's structure is not checked again."""
    for offset, line in enumerate(directive.content):
        if HEADING.match(line):
            lineno = content_line(directive, offset)
            report(
                (directive.env.docname, lineno),
                "swallowed_directive",
                f"The section {line.strip()!r} is inside the {kind.title.lower()} {need_id}, "
                "whose fence is not closed before it",
                f"close the {kind.directive} with a line ':::' before line {lineno}",
            )
            directive.env.temp_data[SECTIONS_SWALLOWED] = True
            return offset
    return len(directive.content)


def _read_fields(
    directive, kind: Kind, need_id: str, values: dict, lines: dict
) -> dict[str, date | datetime]:
    """Report each field missing or in error and leave out those in error; the dates
    and times the others hold, read once."""
    moments: dict[str, date | datetime] = {}
    for spec in kind.fields:
        value = values.get(spec.name)
        required = spec.required
        if spec.required_when is not None:
            other, when = spec.required_when
            written = values.get(other)
            required = written is not None and ("*" in when or written in when)
        if value is None or value == "":
            if required:
                why = ""
                if spec.required_when:
                    other, when = spec.required_when
                    label = kind.fields_by_name[other].heading
                    why = (
                        f", which it needs with a '{label}'"
                        if "*" in when
                        else f", which it needs when its '{label}' is {' or '.join(when)}"
                    )
                report(
                    (directive.env.docname, directive.lineno),
                    "record_field",
                    f"The {kind.title.lower()} {need_id} has no '{spec.heading}' "
                    f"(:{spec.name}:){why}",
                    f"add ':{spec.name}:' ({_describe(spec, directive.env.config)})",
                )
            values.pop(spec.name, None)
            continue
        where = (directive.env.docname, lines[spec.name])
        read = read_value(where, need_id, spec, value, directive.env.config)
        if read is None:
            del values[spec.name]
        elif isinstance(read, date):  # a datetime is a date too
            moments[spec.name] = read
    return moments


#: What a field of each type holds, for a fix that says what to write.
DESCRIPTIONS = {
    DATE: "a date, YYYY-MM-DD",
    DATETIME: "a date and time with its offset, e.g. 2026-03-02T14:05+01:00",
    LINK: "the ID of a record",
    CHECKLIST: "the ID prefix of a checklist, e.g. HAC",
    PAGE: "the page, e.g. /runbooks/cerberus-operations-runbook",
}


def _describe(spec: Field, config) -> str:
    if spec.type == CHOICE:
        return ("one or more of " if spec.many else "one of ") + ", ".join(spec.choices_in(config))
    return DESCRIPTIONS.get(spec.type, "its text")


def _read_results(directive: SphinxDirective, need_id: str, end: int):
    """A run's answers, one line each: ``HAC-01: done`` or ``HAC-02: {result: ..., note:
    ..., evidence: ...}`` (JSON strings welcome: what the browser writes); and every
    item a line answers, right or wrong (an answer in error is not also missing)."""
    results = []
    seen = set()
    answered = []
    for offset, line in enumerate(directive.content[:end]):
        lineno = content_line(directive, offset)
        if not line.strip():
            continue
        where = (directive.env.docname, lineno)
        item_id, colon, rest = line.partition(":")
        item_id = item_id.strip()
        try:
            answer = yaml.safe_load(rest) if colon else None
        except yaml.YAMLError:
            answer = None
        if isinstance(answer, str):
            answer = {"result": answer}
        if item_id:
            answered.append(item_id)
        if not isinstance(answer, dict) or not item_id:
            report(
                where,
                "run_result",
                f"The line {line.strip()!r} of {need_id} is not an item's answer",
                "write 'ITEM-ID: done', or 'ITEM-ID: {result: failed, note: what failed, "
                "evidence: link}'",
            )
            continue
        result = str(answer.get("result") or "").strip()
        # as written, line breaks too: what the operator typed is the record
        note = str(answer.get("note") or "").strip()
        evidence = str(answer.get("evidence") or "").strip()
        unknown_keys = sorted(set(answer) - {"result", "note", "evidence"})
        if unknown_keys:
            report(
                where,
                "run_result",
                f"The answer for {item_id} in {need_id} has the unknown key {unknown_keys[0]!r}",
                "an answer has result, note and evidence",
            )
        if result not in ITEM_RESULTS:
            report(
                where,
                "run_result",
                f"The answer for {item_id} in {need_id} has "
                + (f"the result {result!r}" if result else "no result"),
                f"give it a result: {', '.join(ITEM_RESULTS)}",
            )
            continue
        if result != "done" and not note:
            report(
                where,
                "run_result",
                f"{item_id} is {result!r} in {need_id} without a note",
                "say why it does not apply"
                if result == "not applicable"
                else "say what failed" + " in 'note:'",
            )
            continue
        if item_id in seen:
            report(
                where,
                "run_result",
                f"{item_id} is answered twice in {need_id}",
                "keep one answer per item",
            )
            continue
        seen.add(item_id)
        results.append(ItemResult(item_id, result, note, evidence, lineno))
    return tuple(results), tuple(answered)


def facts_table(kind: Kind, values: dict[str, str], link) -> nodes.table:
    """A record's fields as written; ``link(ID)`` shows a field that names a record,
    ``link(page=...)`` one that names a page."""
    rows = []
    for spec in kind.fields:
        value = values.get(spec.name)
        if value is None:
            continue
        if value == UNKNOWN and spec.may_be_unknown:
            cell: nodes.Node = nodes.inline(
                "", "", state_badge("known gap"), nodes.Text(" not given by the source documents")
            )
        elif spec.type == LINK:
            cell = link(value)
        elif spec.type == PAGE:
            cell = link(value, page=True)
        else:
            cell = nodes.Text(value)
        rows.append([nodes.Text(spec.heading), cell])
    return simple_table(["Field", "Value"], rows, classes=["anchor-record-facts"])


def as_written(value: str, page: bool = False) -> nodes.literal:
    return nodes.literal(text=value)


def results_table(results: tuple[ItemResult, ...], link) -> nodes.table:
    rows = [
        [
            link(r.item_id),
            state_badge(r.result, f"anchor-result-{r.result.replace(' ', '-')}"),
            nodes.Text(r.note or "—"),
            _evidence(r.evidence),
        ]
        for r in results
    ]
    return simple_table(
        ["Item", "Result", "Note", "Evidence"], rows, classes=["anchor-run-results"]
    )


def _evidence(text: str) -> nodes.Node:
    if re.match(r"^https?://\S+$", text):
        return nodes.reference(text, text, refuri=text)
    return nodes.Text(text or "—")


class ActionItemsDirective(SphinxDirective):
    """A postmortem's action items: a YAML list of ``{action, owner, due}``."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        location = (self.env.docname, self.lineno)
        record = self.env.temp_data.get(CURRENT_RECORD)
        if record is None or record.kind != POSTMORTEM_KIND.directive:
            report(
                location,
                "action_items_outside",
                "The action items come before any postmortem on the page",
                "put them on a postmortem's page, after its postmortem directive",
            )
            return []
        actions = []
        for offset, line in enumerate(self.content):
            if not line.strip():
                continue
            where = (self.env.docname, content_line(self, offset))
            try:
                entry = yaml.safe_load(line.strip().removeprefix("- "))
            except yaml.YAMLError:
                entry = None
            if not isinstance(entry, dict) or not all(
                str(entry.get(k) or "").strip() for k in ("action", "owner", "due")
            ):
                report(
                    where,
                    "action_item",
                    f"The action item {line.strip()!r} of {record.need_id} lacks an action, "
                    "an owner or a due date",
                    "write '- {action: what to do, owner: who, due: YYYY-MM-DD}'",
                )
                continue
            due_text = str(entry["due"])
            due = entry["due"] if isinstance(entry["due"], date) else None
            if due is None:
                due = parse_date(due_text, where, f"due date of an action item of {record.need_id}")
            if due is None:
                continue
            actions.append(ActionItem(str(entry["action"]), str(entry["owner"]), due, where[1]))
        record.actions = tuple(actions)
        rows = [
            [nodes.Text(a.action), nodes.Text(a.owner), nodes.Text(a.due.isoformat())]
            for a in actions
        ]
        return [simple_table(["Action", "Owner", "Due date"], rows, classes=["anchor-actions"])]


def setup_records(app: Sphinx) -> None:
    app.add_node(record_context)
    for kind in KINDS.values():
        replace_need_directive(app, kind.directive, record_directive(kind))
    app.add_directive("action-items", ActionItemsDirective)
