"""What needs every record to check, once per build, each at its option's line.

The system, incident or postmortem a record names is a link, checked with
every link (:mod:`anchor_sop.traceability.checks`). Here: a checklist run
names a checklist, answers each of its items and nothing else, and is signed
off where the checklist needs it; a runbook is a page; incident numbers run
without a gap; a record kind's prefix is no document's.
"""

from __future__ import annotations

import difflib

from sphinx.application import Sphinx

from ..diagnostics import report
from ..model import ITEM, id_number
from ..model.kinds import CHECKLIST_RUN, INCIDENT_KIND, KINDS, RECORDS_FOLDER
from ..store import all_documents, all_records, stores
from .operation import stored_requirements


def check_records(app: Sphinx, needs) -> None:
    env = app.env
    checklists = {d.prefix: d for d in all_documents(env) if d.kind == "checklist" and d.prefix}
    items: dict[str, list[str]] = {}
    for need_id, need in needs.items():
        if need["type"] == ITEM:
            items.setdefault(need_id.rpartition("-")[0], []).append(need_id)
    records = all_records(env)
    for record in records:
        if record.kind == CHECKLIST_RUN.directive:
            _check_run(record, checklists, items)
        runbook = record.values.get("runbook")
        if runbook:
            docname = runbook.strip("/").removesuffix(".md")
            if docname not in env.found_docs:
                report(
                    (record.docname, record.lines["runbook"]),
                    "record_page",
                    f"The runbook of {record.need_id}, {runbook!r}, is not a page",
                    "name the page from the source folder, e.g. "
                    "/runbooks/cerberus-operations-runbook",
                )
    _check_sequence(records)
    _check_evidenced_checklists(env, checklists)
    prefixes = {d.prefix: d for d in all_documents(env) if d.prefix}
    for kind in KINDS.values():
        if kind.prefix in prefixes:
            doc = prefixes[kind.prefix]
            report(
                (doc.docname, doc.lineno),
                "prefix_taken",
                f"The ID prefix {kind.prefix!r} is the prefix of {kind.title.lower()} records",
                "choose another prefix for the document",
            )


def _check_run(record, checklists, items) -> None:
    where = (record.docname, record.lines.get("checklist", record.lineno))
    prefix = record.values.get("checklist", "")
    checklist = checklists.get(prefix)
    if checklist is None:
        close = difflib.get_close_matches(prefix, sorted(checklists), n=1, cutoff=0.5)
        report(
            where,
            "run_checklist",
            f"The checklist run {record.need_id} names the checklist {prefix!r}, which no "
            "checklist has as its ID prefix" + (f"; did you mean {close[0]}?" if close else ""),
            f"write one of {', '.join(sorted(checklists))}",
        )
        return
    expected = items.get(prefix, [])
    answered = set(record.answered)
    for result in record.results:
        if result.item_id not in expected:
            report(
                (record.docname, result.lineno),
                "run_item",
                f"{result.item_id} is not an item of the checklist {prefix} ({checklist.title})",
                f"answer its items only: {', '.join(sorted(expected))}",
            )
    missing = [i for i in sorted(expected) if i not in answered]
    if missing:
        report(
            (record.docname, record.lineno),
            "run_unanswered",
            f"The checklist run {record.need_id} gives no result for {', '.join(missing)}",
            "answer every item: done, not applicable (with a note why) or failed (with a "
            "note of what failed)",
        )
    if checklist.sign_off and not record.values.get("signed-off-by"):
        report(
            (record.docname, record.lineno),
            "run_sign_off",
            f"The checklist {prefix} needs a sign-off, and {record.need_id} has none",
            "add ':signed-off-by:' and ':signed-off-at:' (who signed it off, and when)",
        )


def _check_evidenced_checklists(env, checklists) -> None:
    """A rule evidenced by the runs of a checklist names a checklist that exists."""
    for docname, rule_id, requirement in stored_requirements(env):
        for prefix in dict(requirement.where).get("checklist", ()):
            if prefix not in checklists:
                report(
                    (docname, stores(env)[docname].evidence_lines.get(rule_id)),
                    "evidence_option",
                    f"Rule {rule_id} is evidenced by runs of the checklist {prefix!r}, "
                    "which no checklist has as its ID prefix",
                    f"write one of {', '.join(sorted(checklists))}",
                )


def _check_sequence(records) -> None:
    """Incident numbers run 1, 2, 3, ... without a gap (examples apart); a number
    written twice is a duplicate ID (needs_model.check_unique_ids)."""
    numbered = sorted(
        (
            (number[1], r)
            for r in records
            if r.kind == INCIDENT_KIND.directive and not r.example
            if (number := id_number(r.need_id))
        ),
        key=lambda pair: (pair[0], pair[1].docname),
    )
    expected, previous = 1, "no incident"
    for number, record in numbered:
        if number < expected:
            continue  # a repeat: a duplicate ID, reported with the others
        if number > expected:
            width = len(record.need_id.rpartition("-")[2])
            missing = f"{INCIDENT_KIND.prefix}-{expected:0{width}d}"
            report(
                (record.docname, record.lineno),
                "incident_sequence",
                f"Incident numbers are sequential, and {record.need_id} follows {previous}: "
                f"{missing} is missing",
                f"number this incident {missing} and rename its page to "
                f"source/{RECORDS_FOLDER}/{INCIDENT_KIND.folder}/{missing}.md",
            )
        expected, previous = number + 1, record.need_id
