"""The frameworks report: each criterion's rules, checklist items, records and
implementation state, computed once per build in the reports step
(:mod:`anchor_sop.reports`) from the trace report and the operation report.

A criterion's implementation state follows the operating evidence of the rules
in force that map to it (``:satisfies:``):

- *implemented*: every one of them is met;
- *partly implemented*: one of them has findings;
- *not yet evidenced*: none has findings, and one has no records yet (or is
  shown by nothing that records);
- *no rule*: no rule maps to it (a gap, where the criterion applies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sphinx.application import Sphinx

from ..evidence.operation import FINDINGS, MET, OperationReport
from ..model import DOC_OWNER, DOC_REVIEWED, criterion_need_id
from ..render import NeedRef
from ..state import build_state
from ..traceability.report import TraceReport
from .catalogs import FRAMEWORKS, Criterion, catalog, official_titles

IMPLEMENTED, PARTLY, NOT_EVIDENCED, NO_RULE = (
    "implemented",
    "partly implemented",
    "not yet evidenced",
    "no rule",
)


@dataclass(frozen=True)
class CriterionState:
    criterion: Criterion
    #: The rules in force that map to it, by ID, and each mapping's state.
    rules: tuple[NeedRef, ...]
    mappings: tuple[str, ...]
    #: The checklist items in force that verify those rules.
    items: tuple[NeedRef, ...]
    #: How many records evidence those rules (every day; the samples take the period's).
    records: int
    state: str
    #: The latest record's day and ID.
    latest: tuple[date | None, str]
    owners: tuple[str, ...]
    #: The oldest last review among the rules' documents ("" when none says).
    reviewed: str

    @property
    def latest_text(self) -> str:
        day, record_id = self.latest
        return f"{day.isoformat()} ({record_id})" if day else ""


@dataclass
class FrameworkReport:
    #: Every criterion of every framework, by ID.
    criteria: dict[str, CriterionState]
    #: The official titles of the organisation's local file (``anchor_framework_titles``).
    titles: dict[str, str]


def implementation(states: list[str]) -> str:
    """A criterion's state from the operating states of the rules that map to it."""
    if not states:
        return NO_RULE
    if FINDINGS in states:
        return PARTLY
    return IMPLEMENTED if all(s == MET for s in states) else NOT_EVIDENCED


def build_frameworks(
    app: Sphinx, trace: TraceReport, operation: OperationReport
) -> FrameworkReport:
    rules_by_id = {rule["id"]: rule for rule in trace.rules}
    mapped: dict[str, list] = {}
    for (rule_id, criterion_id), state in trace.mapping_states.items():
        mapped.setdefault(criterion_id, []).append((rules_by_id[rule_id], state))
    criteria = {}
    for framework in FRAMEWORKS:
        for criterion in catalog(framework).criteria:
            rules = mapped.get(criterion_need_id(criterion.id), [])
            ops = [operation.rules.get(rule["id"]) for rule, _state in rules]
            item_ids = sorted({i for rule, _ in rules for i in trace.verifiers.get(rule["id"], [])})
            population = {r for op in ops if op for r in op.population}
            latest = max(
                ((op.latest, op.latest_record) for op in ops if op and op.latest),
                default=(None, ""),
            )
            reviewed = sorted(rule[DOC_REVIEWED] for rule, _ in rules if rule[DOC_REVIEWED])
            criteria[criterion.id] = CriterionState(
                criterion,
                trace.known(rule["id"] for rule, _ in rules),
                tuple(state for _rule, state in rules),
                trace.known(item_ids),
                len(population),
                implementation([op.state if op else "" for op in ops]),
                latest,
                tuple(sorted({rule[DOC_OWNER] for rule, _ in rules if rule[DOC_OWNER]})),
                reviewed[0] if reviewed else "",
            )
    return FrameworkReport(criteria, official_titles(app))


def framework_report(app: Sphinx) -> FrameworkReport:
    """The frameworks report of this build (:mod:`anchor_sop.reports`)."""
    return build_state(app).frameworks
