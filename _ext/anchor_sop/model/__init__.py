"""The facts of the authoring model, each stated once.

Every other module imports what it needs from here: the ID scheme, the need
types and link names sphinx-needs is configured with, and the document
statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: A document prefix: an upper-case letter, then 1-7 upper-case letters or digits.
PREFIX_PATTERN = r"[A-Z][A-Z0-9]{1,7}"
#: A need ID: the prefix of its document (or record kind), a hyphen and a number of
#: two to five digits (records are numbered by the thousand: RUN-01234).
ID_REGEX = re.compile(rf"^(?P<prefix>{PREFIX_PATTERN})-(?P<number>[0-9]{{2,5}})$")
PREFIX_REGEX = re.compile(rf"^{PREFIX_PATTERN}$")
ID_EXAMPLE = "BKP-03"
#: A framework's criterion or control as a need ID (:func:`criterion_need_id`): SOC 2's
#: CC7_3, A1_2, C1_1, PI1_4, P6_1; ISO/IEC 27001 Annex A's A_8_13.
CRITERION_NEED_PATTERN = r"(?:CC[1-9]|A1|C1|PI1|P[1-8])_[1-9]|A_[5-8]_[1-9][0-9]?"


def spellings(written: str) -> tuple[str, ...]:
    """The criterion IDs a mistyped one may stand for, written in other case or
    without a dot: ``a5.2`` may be A5.2 or A.5.2."""
    upper = written.upper().replace(" ", "")
    return (upper, f"A.{upper[1:]}".replace("..", ".")) if upper[:1] == "A" else (upper,)


def criterion_need_id(criterion_id: str) -> str:
    """A criterion's need ID: its ID with underscores for dots (A_8_13), as sphinx-needs
    reads a dot in a link as NEED.PART (a link to A.8.13 would name need A's part 8.13)."""
    return criterion_id.replace(".", "_")


def shown_id(need_id: str) -> str:
    """The ID a need is shown and linked by: a criterion's own (A.8.13), else its need ID
    (the project's IDs have no underscore)."""
    return need_id.replace("_", ".")


#: Every need ID: the project's own, and the frameworks' criteria.
NEEDS_ID_REGEX = re.compile(rf"^(?:{PREFIX_PATTERN}-[0-9]{{2,5}}|{CRITERION_NEED_PATTERN})$")

#: How README's Quick start runs a nox session, which every message that names a
#: session repeats: the wrapper needs nothing but the Python it is run with.
NOX = "python3 noxw.py"


def counted(number: int, noun: str, plural: str = "") -> str:
    """A count as a sentence says it: "no findings", "1 finding", "3 findings"."""
    plural = plural or f"{noun}s"
    return f"no {plural}" if number == 0 else f"{number} {noun if number == 1 else plural}"


def nox_command(session: str, arguments: str = "") -> str:
    """The command that runs ``session`` (with ``arguments`` after ``--``)."""
    return f"{NOX} -s {session}" + (f" -- {arguments}" if arguments else "")


def id_number(need_id: str) -> tuple[str, int] | None:
    """An ID's prefix and number, whatever its zeros: ``INC-002`` and ``INC-0002`` are
    one number (``None`` for an ID off the scheme)."""
    match = ID_REGEX.match(need_id)
    return (match["prefix"], int(match["number"])) if match else None


def next_free_id(prefix: str, taken: Iterable[str], width: int = 2) -> str:
    """The ID after the highest number of ``prefix`` among ``taken``, as wide as the
    widest of them (at least ``width``). A gap is never filled: its number may have
    been used, and an ID is never reused."""
    highest, widest = 0, width
    for need_id in taken:
        match = ID_REGEX.match(need_id)
        if match and match["prefix"] == prefix:
            highest = max(highest, int(match["number"]))
            widest = max(widest, len(match["number"]))
    return f"{prefix}-{highest + 1:0{widest}d}"


#: Need types, by the directive name sphinx-needs knows them under.
RULE = "rule"
ITEM = "item"
DOMAIN = "responsibility"
EXCEPTION = "exception"
#: A framework's criterion or control (SOC 2, ISO/IEC 27001 Annex A).
CRITERION = "criterion"

#: Link types: an item verifies rules; a responsibility-matrix row is governed by rules.
VERIFIES = "verifies"
GOVERNED_BY = "governed_by"
#: A rule satisfies criteria of the frameworks an audit is against (a policy owner's
#: judgement, proposed until accepted in the baseline).
SATISFIES = "satisfies"
#: Field of a criterion: the framework it belongs to (frameworks/catalogs/).
FRAMEWORK = "framework"
#: An approved exception exempts rules, for a system, for a time.
EXEMPTS = "exempts"
#: Exceptions have IDs of their own prefix: EXC-01, EXC-02, ...
EXCEPTION_PREFIX = "EXC"
#: Links of operating records (see model/kinds.py): the managed system a record
#: is about, the incident a failed test or change became, an incident's postmortem.
MANAGED_SYSTEM = "managed_system"
INCIDENT = "incident"
POSTMORTEM = "postmortem"

#: Field of a rule: why no checklist item can verify it.
NOT_VERIFIABLE = "not_verifiable"
#: Field of a responsibility-matrix row: the party accountable for the domain.
ACCOUNTABLE = "accountable"
#: Fields of rules and items: the status, owner and last review date of the
#: document they are in (so needs.json alone tells who owned what, and when).
DOC_STATUS = "doc_status"
DOC_OWNER = "doc_owner"
DOC_REVIEWED = "doc_last_reviewed"
#: Field of a rule: the fingerprint of its normalised text (see fingerprint.py).
FINGERPRINT = "fingerprint"
#: Fields of an exception.
EXCEPTION_FIELDS = ("system", "approved_by", "start", "expires")

#: Fields of a rule: the records that show it at work, and what they must show
#: (see evidence/requirements.py).
EVIDENCE = "evidence"
REQUIRES = "requires"

NEED_TYPES = [
    {"directive": RULE, "title": "Rule", "prefix": "", "color": "#BFD8D2"},
    {"directive": ITEM, "title": "Checklist item", "prefix": "", "color": "#FEDCD2"},
    {"directive": DOMAIN, "title": "Responsibility", "prefix": "", "color": "#DDDDDD"},
    {"directive": EXCEPTION, "title": "Exception", "prefix": "", "color": "#F6E3A1"},
    {"directive": CRITERION, "title": "Framework criterion", "prefix": "", "color": "#D5E8F4"},
]

NEED_LINKS = {
    VERIFIES: {
        "incoming": "verified by",
        "outgoing": "verifies",
        "target_types": [RULE],
    },
    GOVERNED_BY: {
        "incoming": "governs",
        "outgoing": "governed by",
        "target_types": [RULE],
    },
    EXEMPTS: {
        "incoming": "exempted by",
        "outgoing": "exempts",
        "target_types": [RULE],
    },
    SATISFIES: {
        "incoming": "satisfied by",
        "outgoing": "satisfies",
        "target_types": [CRITERION],
    },
    MANAGED_SYSTEM: {
        "incoming": "records",
        "outgoing": "system",
        "target_types": ["managed-system"],
    },
    INCIDENT: {
        "incoming": "led to by",
        "outgoing": "incident",
        "target_types": ["incident"],
    },
    POSTMORTEM: {
        "incoming": "postmortem of",
        "outgoing": "postmortem",
        "target_types": ["postmortem"],
    },
}


#: A field's or link's text is data, taken as written: never sphinx-needs' ``[[...]]``
#: functions or variants (a note typed by an operator may hold anything).
AS_WRITTEN = {"parse_dynamic_functions": False, "parse_variants": False}


def _text_field(description: str) -> dict:
    """A need field holding text (or nothing)."""
    return {
        "description": description,
        "schema": {"type": "string"},
        "nullable": True,
        **AS_WRITTEN,
    }


NEED_FIELDS = {
    NOT_VERIFIABLE: _text_field("Why no checklist item can verify this rule."),
    ACCOUNTABLE: _text_field("The party accountable for a responsibility domain."),
    DOC_STATUS: _text_field(
        "The status of the document the need is in (draft, approved, retired)."
    ),
    DOC_OWNER: _text_field("The owner of the document the need is in."),
    DOC_REVIEWED: _text_field("When the document the need is in was last reviewed."),
    FINGERPRINT: _text_field("SHA-256 of the rule's normalised title and statement."),
    EVIDENCE: _text_field("The kind of record that shows a rule at work, and which of them."),
    REQUIRES: _text_field("What the records that show a rule at work must show."),
    FRAMEWORK: _text_field("The framework a criterion belongs to (soc2, iso27001)."),
    **{
        name: _text_field(f"The {name.replace('_', ' ')} of an exception.")
        for name in EXCEPTION_FIELDS
    },
}

#: How many days before its due date a review is "due soon".
DUE_SOON_DAYS = 30
#: What the build does about overdue reviews and expired exceptions.
ENFORCEMENT_MODES = ("warn", "fail", "off")
#: What the build does about findings (records that show a rule not met): list
#: them (the default), warn at each, or fail the build (a release gate).
EVIDENCE_MODES = ("report", "warn", "fail")

#: Document statuses, in lifecycle order.
STATUSES = ("draft", "approved", "retired")
#: Badge colour (sphinx-design's semantic colours) of every state the site shows:
#: document statuses, review states, exception states and traceability-link states.
STATE_COLORS = {
    "approved": "success",
    "draft": "warning",
    "retired": "secondary",
    "current": "success",
    "due soon": "warning",
    "overdue": "danger",
    "active": "success",
    "not yet started": "secondary",
    "expired": "danger",
    "example": "info",
    "clean": "success",
    "unreviewed": "warning",
    "suspect": "danger",
    # operating states of a rule (evidence/requirements.py) and record outcomes
    "met": "success",
    "findings": "danger",
    "no records yet": "warning",
    "not applicable": "secondary",
    "pending": "info",
    "finding": "danger",
    "known gap": "warning",
    # a rule's mapping to a criterion, and a control's state in the frameworks' views
    "proposed": "warning",
    "accepted": "success",
    "applicable": "success",
    "excluded": "secondary",
    "undecided": "warning",
    "implemented": "success",
    "partly implemented": "danger",
    "not yet evidenced": "warning",
    "no rule": "danger",
    "did not occur": "secondary",
}


#: The files an HTML build writes beside the pages (see exports.py): what the
#: traceability page links to and what the audit pack collects.
NEEDS_JSON = "needs.json"
#: Beside the exports: where they come from (commit, its date, the build's moment).
EXPORTS_JSON = "exports.json"
TRACE_CSV = "traceability.csv"
TRACE_XLSX = "traceability.xlsx"
REVIEW_CSV = "review-status.csv"
CHANGES_CSV = "changes.csv"
#: Every record that evidences each rule (in the audit period), and the findings.
POPULATION_CSV = "population.csv"
FINDINGS_CSV = "findings.csv"
#: The frameworks: every criterion and the rules mapped to it; the Statement of
#: Applicability; the audit period's samples; the OSCAL component definition.
CRITERIA_CSV = "criteria.csv"
SOA_CSV = "soa.csv"
SAMPLES_CSV = "samples.csv"
OSCAL_JSON = "oscal-component-definition.json"


def backlink(link: str) -> str:
    """The name sphinx-needs gives the reverse direction of a link type."""
    return f"{link}_back"
