"""The trace report: coverage, gaps, orphans and link states; the coverage gate and
suspect links.

It is computed from the resolved needs once per build, in the reports step
(:mod:`anchor_sop.reports`), into a :class:`TraceReport` that the views
(:mod:`.views`), the rule pages, the warnings and the exports all read.

- **Coverage**: among the rules in force (their document is approved), those
  not marked ``not-verifiable`` must be verified by at least one checklist item
  in force. Coverage = verified / must be verified. Draft and retired rules are
  counted apart.
- **Gate** (``anchor_coverage_gate``, on by default): each rule that must be
  verified and is not is a warning at the rule.
- **Suspect links**: the file ``anchor_trace_baseline`` holds, for each
  reviewed link "ITEM verifies RULE", the rule's fingerprint at review
  (:mod:`anchor_sop.fingerprint`). A link whose rule's fingerprint differs is
  *suspect* (a warning at the rule); a link missing from the file is
  *unreviewed*. ``python -m anchor_sop.traceability.baseline`` re-baselines.
- **Mappings**: a rule's ``:satisfies:`` maps it to criteria of the frameworks
  (:mod:`anchor_sop.frameworks`), a policy owner's judgement. The same file
  holds each accepted mapping "RULE satisfies CRITERION" with the rule's
  fingerprint; a mapping missing from it, or whose rule changed since, is
  *proposed*.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from pathlib import Path

from sphinx.application import Sphinx
from sphinx_needs.api import get_needs_view

from ..diagnostics import report
from ..model import (
    DOC_STATUS,
    DOMAIN,
    EVIDENCE,
    FINGERPRINT,
    ITEM,
    NOT_VERIFIABLE,
    RULE,
    SATISFIES,
    VERIFIES,
    nox_command,
    shown_id,
)
from ..render import NeedRef, need_ref
from ..state import build_state
from ..store import all_documents, doc_store
from .checks import check_links


def link_key(source_id: str, target_id: str, link: str = VERIFIES) -> str:
    """How a link between two needs is named in the baseline file, by the IDs the pages
    show: "ITEM verifies RULE", "RULE satisfies CRITERION" (A.8.13, not A_8_13)."""
    return f"{source_id} {link} {shown_id(target_id)}"


def baseline_fingerprint(path: str) -> str:
    """What the baseline file holds now (its bytes' hash; "" when there is none)."""
    file = Path(path)
    return hashlib.sha256(file.read_bytes()).hexdigest() if path and file.is_file() else ""


def load_baseline(path: str) -> dict[str, str]:
    file = Path(path)
    return json.loads(file.read_text()) if path and file.is_file() else {}


def in_force(need) -> bool:
    return (need[DOC_STATUS] or "approved") == "approved"


class Coverage:
    """The rules that must be verified and those that are, of ``rules`` by
    ``verifiers``; computed on first use, once every rule is in."""

    rules: list
    verifiers: dict[str, list[str]]

    @cached_property
    def must_verify(self) -> list:
        return [r for r in self.rules if not r[NOT_VERIFIABLE]]

    @cached_property
    def verified(self) -> list:
        """Verified by design: checklist items, or records it names (``:evidence:``)."""
        return [r for r in self.must_verify if self.verifiers.get(r["id"]) or r[EVIDENCE]]


@dataclass
class PolicyCoverage(Coverage):
    docname: str
    title: str
    rules: list = field(default_factory=list)
    #: rule ID -> IDs of the items in force that verify it (shared with the report)
    verifiers: dict[str, list[str]] = field(default_factory=dict, repr=False)


@dataclass
class TraceReport(Coverage):
    """What the views show, computed once per build (the lists below, on first use)."""

    rules: list
    items: list
    domains: list
    #: rule ID -> IDs of the items in force that verify it
    verifiers: dict[str, list[str]]
    #: item ID -> the IDs its ':verifies:' names, for each item in force (read once:
    #: sphinx-needs makes the list anew at every read)
    verifies: dict[str, list[str]]
    #: (item ID, rule ID) -> clean | suspect | unreviewed
    link_states: dict[tuple[str, str], str]
    #: (rule ID, criterion ID) -> accepted | proposed, for each rule in force
    mapping_states: dict[tuple[str, str], str]
    policies: list[PolicyCoverage]
    out_of_force_rules: list
    out_of_force_items: list
    #: Every need, by ID (sphinx-needs' view).
    needs: Mapping = field(repr=False, compare=False)

    @cached_property
    def refs(self) -> dict[str, NeedRef]:
        """Every need as a link shows it, by ID: made once for all the views' rows (a
        view of 10,000 rows names 30,000 needs)."""
        return {need_id: need_ref(need) for need_id, need in self.needs.items()}

    def known(self, ids) -> tuple[NeedRef, ...]:
        """The needs ``ids`` names (unknown IDs are reported where written)."""
        return tuple(self.refs[i] for i in ids if i in self.refs)

    @cached_property
    def gaps(self) -> list:
        return [r for r in self.must_verify if not self.verifiers.get(r["id"]) and not r[EVIDENCE]]

    @cached_property
    def not_verifiable(self) -> list:
        return [r for r in self.rules if r[NOT_VERIFIABLE]]

    @cached_property
    def orphans(self) -> list:
        return [i for i in self.items if not self.verifies[i["id"]]]

    def count(self, state: str) -> int:
        return sum(1 for s in self.link_states.values() if s == state)

    @cached_property
    def coverage_percent(self) -> float:
        return 100.0 * len(self.verified) / len(self.must_verify) if self.must_verify else 100.0


def build_report(app: Sphinx) -> TraceReport:
    needs = get_needs_view(app)
    baseline = load_baseline(app.config.anchor_trace_baseline)
    by_type: dict[str, list] = {RULE: [], ITEM: [], DOMAIN: []}
    for _need_id, need in sorted(needs.items(), key=itemgetter(0)):  # by ID: the key
        of_type = by_type.get(need["type"])
        if of_type is not None:
            of_type.append(need)
    rules = [r for r in by_type[RULE] if in_force(r)]
    items = [i for i in by_type[ITEM] if in_force(i)]
    link_states = {}
    verifiers: dict[str, list[str]] = {}
    verifies = {item["id"]: item[VERIFIES] for item in items}
    # each rule read once, not once per link to it
    fingerprints = {rule["id"]: rule[FINGERPRINT] for rule in by_type[RULE]}
    for item_id, rule_ids in verifies.items():
        for rule_id in rule_ids:
            if rule_id not in fingerprints:
                continue  # no rule: reported where the link is written (trace.py)
            verifiers.setdefault(rule_id, []).append(item_id)
            reviewed = baseline.get(link_key(item_id, rule_id))
            link_states[(item_id, rule_id)] = (
                "unreviewed"
                if reviewed is None
                else "clean"
                if reviewed == fingerprints[rule_id]
                else "suspect"
            )
    mapping_states = {
        (rule["id"], criterion_id): "accepted"
        if baseline.get(link_key(rule["id"], criterion_id, SATISFIES)) == rule[FINGERPRINT]
        else "proposed"
        for rule in rules
        for criterion_id in sorted(rule[SATISFIES] or [])
    }
    titles = {r.docname: r.title for r in all_documents(app.env) if r.kind == "policy"}
    policies: dict[str, PolicyCoverage] = {}
    for rule in rules:
        docname = rule["docname"]
        if docname not in policies:
            title = titles.get(docname, docname)
            policies[docname] = PolicyCoverage(docname, title, [], verifiers)
        policies[docname].rules.append(rule)
    return TraceReport(
        rules=rules,
        items=items,
        domains=by_type[DOMAIN],
        verifiers=verifiers,
        verifies=verifies,
        link_states=link_states,
        mapping_states=mapping_states,
        policies=sorted(policies.values(), key=lambda p: p.title),
        out_of_force_rules=[r for r in by_type[RULE] if not in_force(r)],
        out_of_force_items=[i for i in by_type[ITEM] if not in_force(i)],
        needs=needs,
    )


def trace_report(app: Sphinx) -> TraceReport:
    """The report of this build (:mod:`anchor_sop.reports`)."""
    return build_state(app).trace


def check_traceability(app: Sphinx, result: TraceReport, needs) -> None:
    """Report wrong links, gaps (the gate) and suspect links."""
    meant = check_links(app.env, needs)
    if app.config.anchor_coverage_gate:
        # a gap a mistyped link explains is reported as that link's mistake, a rule
        # outside its policy's rules as that mistake
        for rule in (
            rule
            for rule in result.gaps
            if rule["id"] not in meant
            and rule["id"] not in doc_store(app.env, rule["docname"]).misplaced_rules
        ):
            report(
                (rule["docname"], rule["lineno"]),
                "coverage_gap",
                f"No checklist item verifies rule {rule['id']} ({rule['title']})",
                f"add {rule['id']} to ':verifies:' of the item that checks it, or mark the "
                "rule ':not-verifiable: <reason>'",
            )
    suspects: dict[str, list[str]] = {}
    for (item_id, rule_id), state in sorted(result.link_states.items()):
        if state == "suspect":
            suspects.setdefault(rule_id, []).append(item_id)
    for rule_id, item_ids in suspects.items():
        rule = needs[rule_id]
        report(
            (rule["docname"], rule["lineno"]),
            "suspect_link",
            f"Rule {rule_id} changed since its links were reviewed; suspect: {', '.join(item_ids)}",
            f"re-review {', '.join(item_ids)} against the rule, then run "
            f"'{nox_command('baseline', rule_id)}'",
        )


def link_state(app: Sphinx, item_id: str, rule_id: str) -> str | None:
    return trace_report(app).link_states.get((item_id, rule_id))


def mapping_state(app: Sphinx, rule_id: str, criterion_id: str) -> str | None:
    """The state of a rule's mapping to a criterion, by their need IDs."""
    return trace_report(app).mapping_states.get((rule_id, criterion_id))


def rule_state(result: TraceReport, rule) -> str:
    """How a rule is verified by design: verified, evidenced by records, not
    verifiable, or a gap."""
    if result.verifiers.get(rule["id"]):
        return "verified"
    if rule[EVIDENCE]:
        return "evidenced by records"
    return "not verifiable" if rule[NOT_VERIFIABLE] else "gap"


def setup_report(app: Sphinx) -> None:
    app.add_config_value("anchor_coverage_gate", True, "env", types=(bool,))
    app.add_config_value("anchor_trace_baseline", "", "env", types=(str,))
