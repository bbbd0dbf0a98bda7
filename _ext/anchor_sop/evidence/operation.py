"""Whether each rule operates: its population of records, and its findings.

Computed once per build (``write-started``, after the trace report) into an
:class:`OperationReport` that the rules, registers, system pages, findings
list, matrix, summary and exports all read.

- A rule with ``:evidence:`` is evidenced by the records of that kind (and
  ``where``); its ``:requires:`` say what they must show
  (:mod:`.requirements`).
- A rule that checklist items verify is evidenced by the checklist runs that
  answer one of those items; an answer "failed" is a finding.
- A rule marked not verifiable is "not applicable".

A worked example (``:example:``) is never evidence. A *finding* is a
well-formed record, or the absence of one, that shows a rule not met: the
manual reporting, not an authoring mistake. ``anchor_evidence_enforcement``
says what the build does about findings: list them (``report``, the
default), warn at each (``warn``), or fail (``fail``, a release gate).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

from sphinx.application import Sphinx
from sphinx.errors import SphinxError

from .. import clock
from ..diagnostics import report
from ..model import EVIDENCE, EVIDENCE_MODES, NOT_VERIFIABLE, REQUIRES, counted
from ..model.kinds import CHECKLIST_RUN, KINDS, LINK, MANAGED_SYSTEM_KIND
from ..state import build_state
from ..store import Record, all_records, stores
from .requirements import (
    Condition,
    Moment,
    Requirement,
    RequirementError,
    day_of,
    deadline,
    holds,
    later_than,
    parse_requirement,
)

#: Operating states of a rule, as the matrix shows them.
MET, FINDINGS, NO_RECORDS, NOT_APPLICABLE = "met", "findings", "no records yet", "not applicable"


class EvidenceError(SphinxError):
    category = "Evidence enforcement"


@dataclass(frozen=True)
class Finding:
    """A rule not met: by a record, or for a system (no record where one was due)."""

    rule_id: str
    record_id: str
    system_id: str
    text: str
    #: The day it concerns (a record's date, or when a record was due).
    day: date


@dataclass
class RuleOperation:
    rule_id: str
    #: What evidences the rule, in words ("" when nothing does).
    evidence: str
    state: str
    population: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    latest: date | None = None
    #: The record of that day (the last by ID on the day).
    latest_record: str = ""


@dataclass
class OperationReport:
    #: Every record (examples too), by ID.
    records: dict[str, Record]
    rules: dict[str, RuleOperation]
    findings: list[Finding]
    #: The moments the records' fields hold (a record's day: ``moments.date_of``).
    moments: Records = field(repr=False)
    index: dict[str, dict[str, list]] = field(default_factory=dict, repr=False)

    def of_system(self, system_id: str) -> list[Finding]:
        return self._by("system_id").get(system_id, [])

    def of_record(self, record_id: str) -> list[Finding]:
        return self._by("record_id").get(record_id, [])

    def about_system(self, system_id: str) -> list[Record]:
        """The records about a managed system (examples too: a system page shows them)."""
        if "about" not in self.index:
            about: dict[str, list] = {}
            for record in self.records.values():
                about.setdefault(record.values.get("system", ""), []).append(record)
            self.index["about"] = about
        return self.index["about"].get(system_id, [])

    def _by(self, attribute: str) -> dict[str, list[Finding]]:
        # made once: every record and system page asks
        if attribute not in self.index:
            grouped: dict[str, list[Finding]] = {}
            for finding in self.findings:
                grouped.setdefault(getattr(finding, attribute), []).append(finding)
            self.index[attribute] = grouped
        return self.index[attribute]

    def count(self, state: str) -> int:
        return sum(1 for r in self.rules.values() if r.state == state)


def stored_requirements(env) -> Iterator[tuple[str, str, Requirement]]:
    """Each rule's requirement as its page stored it, by page then rule: (page, rule
    ID, requirement). A page stores only options that were read without a mistake."""
    for docname, store in sorted(stores(env).items()):
        for rule_id, (evidence, requires) in sorted(store.evidence.items()):
            yield docname, rule_id, parse_requirement(evidence, requires)


def requirement_of(rule) -> Requirement | None:
    """A rule's requirement (its options were checked when it was read)."""
    if not rule[EVIDENCE]:
        return None
    try:
        return parse_requirement(rule[EVIDENCE], rule[REQUIRES] or "")
    except RequirementError:
        return None


class Records:
    """The records of a build, and the moments their fields hold."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.by_id = {r.need_id: r for r in records}
        self.evidence = [r for r in self.by_id.values() if not r.example]
        #: A record's place in the records' order (every population keeps it).
        self.order = {record.need_id: i for i, record in enumerate(self.evidence)}
        # grouped once: every rule of a kind, and every checklist-verified rule, asks
        self.of_kind: dict[str, list[Record]] = {}
        self.answering: dict[str, list[Record]] = {}
        for record in self.evidence:
            self.of_kind.setdefault(record.kind, []).append(record)
            if record.kind == CHECKLIST_RUN.directive:
                for item_id in dict.fromkeys(r.item_id for r in record.results):
                    self.answering.setdefault(item_id, []).append(record)
        self.systems = {r.need_id: r for r in self.of_kind.get(MANAGED_SYSTEM_KIND.directive, [])}
        # each field read once: every rule of a kind reads its records' dates
        self._moments: dict[tuple[str, str], Moment | None] = {}
        self._days: dict[str, date | None] = {}
        self._by_day: dict[str, list[Record]] = {}

    def moment(self, record: Record, name: str) -> Moment | None:
        """The date or date and time of ``name``; a linked record's own date."""
        key = (record.need_id, name)
        if key not in self._moments:
            self._moments[key] = self._read_moment(record, name)
        return self._moments[key]

    def _read_moment(self, record: Record, name: str) -> Moment | None:
        if name in record.moments:
            return record.moments[name]
        value = record.values.get(name)
        if value is not None and KINDS[record.kind].fields_by_name[name].type == LINK:
            linked = self.by_id.get(value)
            return self.moment(linked, KINDS[linked.kind].date_field) if linked else None
        return None

    def date_of(self, record: Record) -> date | None:
        """The day of the record's date field (asked by every rule of its kind)."""
        try:
            return self._days[record.need_id]
        except KeyError:
            moment = self.moment(record, KINDS[record.kind].date_field)
            # an undated record has no day (day_of(None) is None too: the test says so)
            day = None if moment is None else day_of(moment)  # pragma: no mutate
            self._days[record.need_id] = day
            return day

    def of_kind_by_day(self, kind: str) -> list[Record]:
        """The records of ``kind`` by day (undated first), then ID: the order of every
        population of a rule of the kind, sorted once for all of them."""
        if kind not in self._by_day:
            self._by_day[kind] = sorted(
                self.of_kind.get(kind, []), key=lambda r: (self.date_of(r) or date.min, r.need_id)
            )
        return self._by_day[kind]

    def finding(self, rule_id: str, record: Record, text: str, today: date) -> Finding:
        """A finding ``record`` shows, on its day (today for an undated one)."""
        return Finding(
            rule_id,
            record.need_id,
            record.values.get("system", ""),
            text,
            self.date_of(record) or today,
        )

    def system_name(self, system_id: str) -> str:
        system = self.systems.get(system_id)
        return f"{system_id} ({system.title})" if system else system_id


def _set(records: Records, record: Record, c: Condition, today: date) -> str | None:
    return None if record.values.get(c.field) else f"has no {c.field}"


def _is(records: Records, record: Record, c: Condition, today: date) -> str | None:
    if holds(KINDS[record.kind], record.values, c.field, c.values):
        return None
    return f"{c.field} is {record.values.get(c.field) or 'not recorded'}"


def _differs(records: Records, record: Record, c: Condition, today: date) -> str | None:
    a, b = record.values.get(c.field), record.values.get(c.other)
    if not a or not b:
        return f"has no {c.other if a else c.field}"
    return f"{c.field} and {c.other} are both {a}" if a.casefold() == b.casefold() else None


def _all_done(records: Records, record: Record, c: Condition, today: date) -> str | None:
    failed = [r.item_id for r in record.results if r.result == "failed"]
    return f"failed: {', '.join(failed)}" if failed else None


def _before(records: Records, record: Record, c: Condition, today: date) -> str | None:
    first, then = records.moment(record, c.field), records.moment(record, c.other)
    if first is None or then is None:
        return f"has no {c.other if first is not None else c.field}"
    return None if later_than(then, first) else f"{c.field} is not before {c.other}"


def _within(records: Records, record: Record, c: Condition, today: date) -> str | None:
    start, end = records.moment(record, c.other), records.moment(record, c.field)
    if start is None:
        return None  # what it counts from has not happened: nothing is due yet
    limit = deadline(start, c.n, c.unit)
    if end is None:
        now = clock.now() if isinstance(start, datetime) else today
        return (
            f"no {c.field} within {c.n} {c.unit} of {c.other}" if later_than(now, limit) else None
        )
    if later_than(end, limit):
        return f"{c.field} {end.isoformat()} is later than {c.n} {c.unit} after {c.other}"
    return None


#: Why a record does not meet a per-record condition (``None``: it does, or it is not
#: due yet), by the condition's pattern.
CHECKS = {
    "set": _set,
    "is": _is,
    "differs": _differs,
    "all_done": _all_done,
    "before": _before,
    "within": _within,
}


def _fails(records: Records, record: Record, c: Condition, today: date) -> str | None:
    return CHECKS[c.what](records, record, c, today)


def population_of(records: Records, requirement: Requirement) -> list[Record]:
    """The records a requirement reads: of its kind and ``where``, in day order."""
    kind = KINDS[requirement.kind]
    return [
        r
        for r in records.of_kind_by_day(requirement.kind)
        if all(holds(kind, r.values, name, values) for name, values in requirement.where)
    ]


def pending_deadlines(records: Records, requirements: Iterable[Requirement]) -> set[datetime]:
    """The moments at which a record not yet late becomes late: ``F within N UNIT of
    G`` counted from a date and time, F not written. A build after one of them finds
    what a build before it did not, on the same day."""
    moments = set()
    for requirement in requirements:
        within = [c for c in requirement.conditions if c.what == "within"]
        if not within:
            continue
        for record in population_of(records, requirement):
            for c in within:
                start = records.moment(record, c.other)
                if isinstance(start, datetime) and records.moment(record, c.field) is None:
                    moments.add(deadline(start, c.n, c.unit))
    return moments


def operate(records: Records, rule_id: str, requirement: Requirement, today: date):
    """The population of a rule's requirement and its findings on ``today``."""
    population = population_of(records, requirement)
    recurrence, per_record = requirement.recurrence, requirement.per_record
    if recurrence is None:
        return population, [
            records.finding(rule_id, record, f"{record.need_id} {why}", today)
            for record in population
            for c in per_record
            if (why := _fails(records, record, c, today))
        ]
    counting = [r for r in population if not any(_fails(records, r, c, today) for c in per_record)]
    kind = KINDS[requirement.kind]
    what = kind.title.lower() + "".join(
        f" with {kind.fields_by_name[name].heading} {' or '.join(values)}"
        for name, values in requirement.where
    )
    if per_record:
        what += " meeting '" + "; ".join(c.text for c in per_record) + "'"
    return population, _recurrence(records, rule_id, what, recurrence, counting, today)


def _recurrence(records: Records, rule_id, what, c: Condition, counting, today: date):
    findings = []
    if c.what == "before_system" or c.per_system:
        by_system: dict[str, list[Record]] = {}
        for record in counting:
            by_system.setdefault(record.values.get("system"), []).append(record)
        groups = {
            system_id: by_system.get(system_id, [])
            for system_id, system in sorted(records.systems.items())
            if system.values.get("status") == "managed"
        }
    else:
        groups = {"": counting}
    for system_id, group in groups.items():
        name = records.system_name(system_id)
        system = records.systems.get(system_id)
        if c.what == "before_system":
            limit = records.moment(system, c.other)  # each group is a managed system's
            ok = [
                r
                for r in group
                if records.date_of(r)
                and (limit is None or not later_than(records.date_of(r), limit))
            ]
            if not ok:
                label = MANAGED_SYSTEM_KIND.fields_by_name[c.other].heading
                when = f" before its '{label}' date, {limit.isoformat()}" if limit else ""
                findings.append(
                    Finding(
                        rule_id,
                        "",
                        system_id,
                        f"{name} has no {what}{when}",
                        day_of(limit) if limit else today,
                    )
                )
            continue
        dates = [d for d in (records.date_of(r) for r in group) if d]
        start = records.moment(system, "accepted-on") if system else None
        points = ([day_of(start)] if start else []) + dates
        if not dates:
            due = deadline(day_of(start), c.n, c.unit) if start else None
            if due is None or later_than(today, due):
                findings.append(
                    Finding(
                        rule_id,
                        "",
                        system_id,
                        f"no {what} recorded"
                        + (f" for {name}" if system_id else "")
                        + (f": due by {due.isoformat()}, {_late(due, today)}" if due else ""),
                        due or today,
                    )
                )
            continue
        for before, after in pairwise([*points, None]):
            due = deadline(before, c.n, c.unit)
            until = after or today
            if later_than(until, due):
                findings.append(
                    Finding(
                        rule_id,
                        "",
                        system_id,
                        f"no {what} between {before.isoformat()} and "
                        f"{until.isoformat()}"
                        + (f" for {name}" if system_id else "")
                        + f": due by {due.isoformat()}, {_late(due, until)}",
                        due,
                    )
                )
    return findings


def _late(due: date, day: date) -> str:
    """How late ``day`` is for what was due by ``due``."""
    return counted((day - due).days, "day") + " late"


def _checklist_operation(records: Records, rule_id: str, item_ids: list[str], today: date):
    items = set(item_ids)
    answering = {run.need_id: run for i in item_ids for run in records.answering.get(i, [])}
    population, findings = [], []
    for run in sorted(answering.values(), key=lambda run: records.order[run.need_id]):
        answers = [r for r in run.results if r.item_id in items]
        population.append(run)
        for answer in answers:
            if answer.result == "failed":
                text = f"{answer.item_id} failed in {run.need_id}: {answer.note}"
                findings.append(records.finding(rule_id, run, text, today))
    return population, findings


def build_operation(app: Sphinx, rules: list, verifiers: dict[str, list[str]]) -> OperationReport:
    """The operating state of every rule in ``rules`` (the trace report's rules in force)."""
    records = Records(all_records(app.env))
    today = clock.today()
    result: dict[str, RuleOperation] = {}
    for rule in rules:
        rule_id = rule["id"]
        requirement = requirement_of(rule)
        if requirement is not None:
            population, findings = operate(records, rule_id, requirement, today)
            evidence = requirement.describe()
        elif verifiers.get(rule_id):
            population, findings = _checklist_operation(records, rule_id, verifiers[rule_id], today)
            evidence = "checklist runs of " + ", ".join(verifiers[rule_id])
        else:
            result[rule_id] = RuleOperation(
                rule_id, "", NOT_APPLICABLE if rule[NOT_VERIFIABLE] else NO_RECORDS
            )
            continue
        state = FINDINGS if findings else MET if population else NO_RECORDS
        # a rule's population is in day order (of_kind_by_day): its latest is its last
        candidates = population[-1:] if requirement is not None else population
        latest = max(
            ((day, r.need_id) for r in candidates if (day := records.date_of(r))),
            default=(None, ""),
        )
        result[rule_id] = RuleOperation(
            rule_id,
            evidence,
            state,
            [r.need_id for r in population],
            findings,
            latest[0],
            latest[1],
        )
    findings = sorted(
        (f for op in result.values() for f in op.findings),
        key=lambda f: (f.day, f.rule_id, f.record_id, f.system_id, f.text),
    )
    return OperationReport(records.by_id, result, findings, records)


def enforce(app: Sphinx, operation: OperationReport, needs) -> None:
    """``anchor_evidence_enforcement``: warn at each finding, or fail the build."""
    mode = app.config.anchor_evidence_enforcement
    if mode not in EVIDENCE_MODES:
        raise EvidenceError(
            f"anchor_evidence_enforcement is {mode!r}; set it to one of "
            f"{', '.join(EVIDENCE_MODES)} in conf.py"
        )
    if mode == "report" or not operation.findings:
        return
    for finding in operation.findings:
        record = operation.records.get(finding.record_id)
        rule = needs[finding.rule_id]
        place = (record.docname, record.lineno) if record else (rule["docname"], rule["lineno"])
        report(
            place,
            "finding",
            f"Finding on rule {finding.rule_id}: {finding.text}",
            "act on it (the findings list says what is due), or record what was done",
        )
    if mode == "fail":
        raise EvidenceError(
            f"{counted(len(operation.findings), 'finding').capitalize()}, listed above. The "
            "release setting "
            "(anchor_evidence_enforcement = 'fail') stops the build."
        )


#: ``anchor_audit_period`` for every record.
ALL_TIME = "all"


def audit_period(app: Sphinx) -> tuple[date, date] | None:
    """``anchor_audit_period`` as two days: ``"FIRST:LAST"``, ``"all"`` for every
    record, or ``""`` (the default) for none: the population, every record of every
    rule, is an audit's export, made by the audit pack and not by every build."""
    text = app.config.anchor_audit_period.strip()
    if not text:
        return None
    if text == ALL_TIME:
        return date.min, date.max
    start, _, end = text.partition(":")
    try:
        period = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError:
        period = None
    if period is None or period[1] < period[0]:
        raise EvidenceError(
            f"anchor_audit_period is {text!r}; write it as FIRST:LAST, two days in "
            f"YYYY-MM-DD form, e.g. 2026-01-01:2026-12-31, or {ALL_TIME!r} for every record"
        )
    return period


def operation_report(app: Sphinx) -> OperationReport:
    """The operating state of this build (:mod:`anchor_sop.reports`)."""
    return build_state(app).operation
