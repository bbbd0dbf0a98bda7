"""Policies and their rules.

``policy`` declares the page's metadata and ID prefix and renders the header
card (see :mod:`anchor_sop.documents`). Each ``rule`` after it is a need of
type ``rule``, rendered as (see :mod:`anchor_sop.render`)::

    <container ids="BKP-03" classes="anchor-need anchor-rule">
        <paragraph classes="anchor-need-title"> badge, title, permalink
        <container classes="anchor-need-body"> the rule's statement
        <trace_list link="verifies_back" label="Verified by">
"""

from __future__ import annotations

import re
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ..diagnostics import option_line, report
from ..documents import DocumentDirective, document_fields, page_title
from ..evidence.requirements import RequirementError, parse_requirement
from ..evidence.views import rule_operation
from ..fingerprint import fingerprint
from ..model import (
    EVIDENCE,
    EXEMPTS,
    FINGERPRINT,
    NOT_VERIFIABLE,
    REQUIRES,
    RULE,
    SATISFIES,
    VERIFIES,
    backlink,
    criterion_need_id,
    id_number,
)
from ..model.kinds import CHECKLIST_RUN, MANAGED_SYSTEM_KIND
from ..needs_model import check_need_id, create_need, replace_need_directive
from ..pages import PAGE_SECTIONS
from ..render import need_body, need_title, permalink, placeholder
from ..store import EVIDENCE as EVIDENCE_SHOWN
from ..store import doc_store, records_of, records_with_named

#: ``env.temp_data`` key of the policy of the page being read.
CURRENT_POLICY = "anchor_sop_policy"
#: The rules of the page being read: (line, ID or title, whether a policy came before).
RULES_OF_PAGE = "anchor_sop_rules_of_page"


class PolicyDirective(DocumentDirective):
    """A policy's metadata; its rules follow on the page."""

    kind = "policy"
    takes_prefix = True
    option_spec: ClassVar[dict] = {
        **DocumentDirective.option_spec,
        "id-prefix": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        if CURRENT_POLICY in self.env.temp_data:
            report(
                self.location(),
                "second_policy",
                "A page holds one policy, and this is the second",
                "move this policy to a page of its own",
            )
        record = self.read_record(page_title(self))
        self.env.temp_data[CURRENT_POLICY] = record
        return self.header(record)


class RuleDirective(SphinxDirective):
    """One policy statement: a need of type ``rule``."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict] = {
        "id": directives.unchanged,
        "not-verifiable": directives.unchanged,
        "evidence": directives.unchanged,
        "requires": directives.unchanged,
        SATISFIES: directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        location = (self.env.docname, self.lineno)
        title = self.arguments[0]
        need_id = self.options.get("id", "").strip()
        policy = self.env.temp_data.get(CURRENT_POLICY)
        # where the rule stands is checked once the page is read (check_rule_places)
        self.env.temp_data.setdefault(RULES_OF_PAGE, []).append(
            (self.lineno, need_id or title, policy is not None)
        )
        if not self.content:
            report(
                location,
                "empty_rule",
                f"The rule {need_id or title!r} has no statement",
                "write what the rule requires in the directive's body",
            )
        reason = " ".join(self.options.get("not-verifiable", "").split())
        if "not-verifiable" in self.options and not reason:
            report(
                location,
                "missing_reason",
                f"The rule {need_id!r} is marked not verifiable without a reason",
                "say after ':not-verifiable:' why no checklist item or record can show it",
            )
        evidence, evidence_kind = self._evidence(need_id or title)
        prefix = policy.prefix if policy is not None else None
        container = nodes.container(classes=["anchor-need", "anchor-rule"])
        self.set_source_info(container)
        title_par = nodes.paragraph(
            "", "", *need_title(need_id or "no ID", title, self), classes=["anchor-need-title"]
        )
        body = need_body(self)
        if check_need_id(location, need_id, prefix, "rule"):
            shown_title = next(iter(title_par.findall(nodes.strong))).astext()
            fields = {FINGERPRINT: fingerprint(shown_title, body.astext())}
            if reason:
                fields[NOT_VERIFIABLE] = reason
            fields.update(evidence)
            fields.update(document_fields(policy))
            # the criteria of the frameworks it meets: checked with every link
            fields[SATISFIES] = [
                criterion_need_id(c)
                for c in re.split(r"[\s,]+", self.options.get(SATISFIES, ""))
                if c
            ]
            need_nodes = create_need(self, RULE, need_id, title, **fields)
            if need_nodes is not None:
                container["ids"] = [need_id]
                container += need_nodes
        if container["ids"]:
            title_par += permalink(need_id)
        container += title_par
        container += body
        if container["ids"]:
            empty = (
                f"No checklist item; not checklist-verifiable: {reason}"
                if reason
                else "No checklist item; its records show it at work (below)."
                if evidence
                else "No checklist item verifies this rule yet."
            )
            container += placeholder(self, need_id, backlink(VERIFIES), "Verified by", empty)
            container += placeholder(self, need_id, backlink(EXEMPTS), "Exceptions", "")
            container += placeholder(self, need_id, SATISFIES, "Satisfies", "")
            operation = rule_operation(need_id=need_id)
            self.set_source_info(operation)
            container += operation
            # every rule shows how it operates: its page follows the records it reads
            store = doc_store(self.env, self.env.docname)
            store.follows |= {EVIDENCE_SHOWN} | records_followed(evidence_kind)
            if EVIDENCE in fields:
                store.evidence[need_id] = (fields[EVIDENCE], fields[REQUIRES])
                store.evidence_lines[need_id] = option_line(self, "evidence")
        return [container]

    def _evidence(self, name: str) -> tuple[dict[str, str], str | None]:
        """The rule's ``:evidence:`` and ``:requires:``, checked (see
        evidence/requirements.py), and the kind of record they name."""
        evidence = " ".join(self.options.get("evidence", "").split())
        requires = " ".join(self.options.get("requires", "").split())
        if not evidence:
            if requires:
                report(
                    (self.env.docname, option_line(self, "requires")),
                    "evidence_option",
                    f"The rule {name!r} has ':requires:' but no ':evidence:'",
                    "add ':evidence: <kind of record>' (restore-test, change, incident, ...)",
                )
            return {}, None
        if "not-verifiable" in self.options:
            report(
                (self.env.docname, option_line(self, "not-verifiable")),
                "evidence_option",
                f"The rule {name!r} names its evidence and is marked not verifiable",
                "remove ':not-verifiable:': records of its ':evidence:' show it at work",
            )
        try:
            requirement = parse_requirement(evidence, requires, self.env.config)
        except RequirementError as error:
            report(
                (self.env.docname, option_line(self, error.option)),
                "evidence_option",
                error.problem,
                error.fix,
            )
            return {}, None
        return {EVIDENCE: evidence, REQUIRES: requires}, requirement.kind


#: What a rule's operating evidence shows of the records, whatever it names: the
#: checklist runs answering the items that verify it (written on other pages), and the
#: managed systems (whom a per-system requirement concerns, named in its findings).
FOLLOWED_BY_EVERY_RULE = frozenset(
    records_of(kind.directive) for kind in (CHECKLIST_RUN, MANAGED_SYSTEM_KIND)
)


def records_followed(kind: str | None) -> frozenset[str]:
    """What of the records a rule evidenced by records of ``kind`` (or by none) shows:
    the records of its kind and of the kinds they name (a requirement reads a named
    record's date: an incident's postmortem)."""
    if kind is None:
        return FOLLOWED_BY_EVERY_RULE
    return FOLLOWED_BY_EVERY_RULE | records_with_named(kind)


def _top_section(node: nodes.Node | None) -> str | None:
    """The title of the page's section (a ``##`` heading) that ``node`` is in."""
    titles = []
    while node is not None:
        if isinstance(node, nodes.section) and node.children:
            titles.append(node[0].astext())
        node = node.parent
    return titles[-2] if len(titles) >= 2 else None


def check_rule_places(app: Sphinx, doctree: nodes.document) -> None:
    """At ``doctree-read``: the page's rules stand after its policy directive, in its
    Policy section (or the source document's own sections). Each way a page gets
    this wrong is one warning, at the first rule concerned; those rules are not
    reported again as coverage gaps."""
    env = app.env
    rules = env.temp_data.get(RULES_OF_PAGE)
    if not rules:
        return
    store = doc_store(env, env.docname)
    before = [(line, label) for line, label, after_policy in rules if not after_policy]
    if before:
        store.misplaced_rules.update(label for _line, label in before)
        lineno, label = before[0]
        more = " (and so does every rule after it)" if len(before) > 1 else ""
        if any(document.kind == "policy" for document in store.documents):
            problem = f"The rule {label!r} comes before the page's policy directive{more}"
            fix = "move the policy directive up, right under the page's title"
        else:
            problem = f"The rule {label!r} is on a page with no policy{more}"
            prefix = id_number(label)
            fix = "move it into the Policy section of " + (
                f"the policy whose ID prefix is {prefix[0]}" if prefix else "its policy's page"
            )
        report((env.docname, lineno), "rule_outside_policy", problem, fix)
    sections = {
        container.line: _top_section(container)
        for container in doctree.findall(nodes.container)
        if "anchor-rule" in container["classes"]
    }
    reported: set[str] = set()
    for lineno, label, after_policy in rules:
        section = sections.get(lineno)
        if not after_policy or section not in PAGE_SECTIONS["policy"]:
            continue
        store.misplaced_rules.add(label)
        if section not in reported:  # the section's first rule stands for the others
            reported.add(section)
            report(
                (env.docname, lineno),
                "rule_outside_policy",
                f"The rule {label!r} is in the {section} section; a policy's rules are in "
                "its Policy section",
                f"move it, and any other rule of the {section} section, into the Policy section",
            )


def setup_policy(app: Sphinx) -> None:
    app.add_directive("policy", PolicyDirective)
    replace_need_directive(app, RULE, RuleDirective)
    app.connect("doctree-read", check_rule_places)
