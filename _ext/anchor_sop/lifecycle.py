"""Reviews, statuses and exceptions: what the build knows about each document's life.

- Every policy, checklist and template is due for review ``review-interval``
  months (default ``anchor_review_interval_months``) after its last review.
  A ``review_banner`` placeholder, written under the document's header card,
  becomes a notice when the review is due within ``DUE_SOON_DAYS`` and a
  warning banner once it is overdue. Draft and retired documents carry a
  status banner, and their title in the navigation says so.
- ``policy-exception`` records a time-boxed, approved exception to rules: a need of
  type ``exception`` that ``exempts`` them (the rule lists it).
- ``review-status``, ``owners`` and ``exceptions-register`` are the pages that
  list them; they are built when written, from every document's records.
- Overdue reviews and expired exceptions are warnings, a build failure, or
  nothing, as ``anchor_lifecycle_enforcement`` says (warn / fail / off).

"Today" comes from :mod:`anchor_sop.clock`; when it changes, every page that
shows a date-dependent state is rewritten.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import ClassVar, NamedTuple

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import get_needs_view

from . import clock
from .diagnostics import report
from .documents import parse_date, review_banner
from .exports import add_export, csv_bytes
from .model import (
    DUE_SOON_DAYS,
    ENFORCEMENT_MODES,
    EXCEPTION,
    EXCEPTION_PREFIX,
    EXEMPTS,
    REVIEW_CSV,
    RULE,
)
from .needs_model import check_need_id, create_need
from .render import (
    RESOLVE_EVENT,
    id_badge,
    id_link,
    link_to,
    need_body,
    need_ref,
    need_reference,
    simple_table,
    state_badge,
)
from .store import (
    DOCUMENTS,
    EVERYTHING,
    DocumentRecord,
    ExceptionRecord,
    all_documents,
    all_exceptions,
    doc_store,
    stores,
)


class LifecycleError(SphinxError):
    category = "Lifecycle enforcement"


# --- review dates -----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(record: DocumentRecord, default_months: int) -> date:
    return add_months(record.last_reviewed, record.review_months or default_months)


def review_state(due: date, today: date) -> str:
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due soon"
    return "current"


def exception_state(record: ExceptionRecord, today: date) -> str:
    if record.example:
        return "example"
    if record.expires < today:
        return "expired"
    return "active" if record.start <= today else "not yet started"


def _resolve_review_banners(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    today = clock.today()
    for node in list(doctree.findall(review_banner)):
        record = doc_store(app.env, node["docname"]).documents[node["index"]]
        due = next_review(record, app.config.anchor_review_interval_months)
        state = review_state(due, today)
        if state == "current" or record.last_reviewed == date.min:
            node.replace_self([])
            continue
        banner = nodes.admonition(
            classes=[
                "anchor-review-banner",
                f"anchor-review-{state.replace(' ', '-')}",
                "danger" if state == "overdue" else "note",
            ]
        )
        if state == "overdue":
            banner += nodes.title(text="Review overdue")
            text = f"Review overdue since {due.isoformat()}, owner {record.owner}."
        else:
            banner += nodes.title(text="Review due soon")
            text = (
                f"Review due on {due.isoformat()} (in {(due - today).days} days), "
                f"owner {record.owner}."
            )
        banner += nodes.paragraph(text=text)
        node.replace_self(banner)


def _mark_draft_titles(app: Sphinx, doctree: nodes.document) -> None:
    """Say "(draft)" or "(retired)" after the page's title in navigation and links."""
    env = app.env
    records = doc_store(env, env.docname).documents
    if not records or records[0].status not in ("draft", "retired"):
        return
    mark = nodes.Text(f" ({records[0].status})")
    if env.docname in env.titles:
        env.titles[env.docname] += mark.copy()
    # the navigation takes the title from the page's table of contents
    if (toc := env.tocs.get(env.docname)) is not None:
        first_link = next(iter(toc.findall(nodes.reference)), None)
        if first_link is not None:
            first_link += mark.copy()


# --- enforcement ------------------------------------------------------------------


def check_lifecycle(app: Sphinx, env: BuildEnvironment) -> None:
    mode = app.config.anchor_lifecycle_enforcement
    if mode not in ENFORCEMENT_MODES:
        raise LifecycleError(
            f"anchor_lifecycle_enforcement is {mode!r}; set it to one of "
            f"{', '.join(ENFORCEMENT_MODES)} in conf.py"
        )
    if mode == "off":
        return
    today = clock.today()
    problems = 0
    for record in all_documents(env):
        if record.last_reviewed == date.min or record.status != "approved":
            continue
        due = next_review(record, app.config.anchor_review_interval_months)
        if due < today:
            problems += 1
            report(
                (record.docname, record.lineno),
                "review_overdue",
                f"The review of {record.kind} {record.title!r} is overdue since "
                f"{due.isoformat()} (owner {record.owner})",
                "review it, then set ':last-reviewed:' to the day of the review",
            )
    for record in all_exceptions(env):
        if exception_state(record, today) == "expired":
            problems += 1
            report(
                (record.docname, record.lineno),
                "exception_expired",
                f"The exception {record.need_id} for {record.system} expired on "
                f"{record.expires.isoformat()}",
                "revoke and remove it, or renew it with a new approval and ':expires:' date",
            )
    if problems and mode == "fail":
        raise LifecycleError(
            f"{problems} overdue review(s) or expired exception(s), listed above. "
            "The release setting (anchor_lifecycle_enforcement = 'fail') stops the build."
        )


def _rewrite_on_new_day(_app: Sphinx, env: BuildEnvironment) -> Iterable[str]:
    """When the date changed since the last build, rewrite every date-dependent page:
    documents (review banners), exceptions (their state) and the registers and views."""
    today = clock.today()
    if getattr(env, "anchor_sop_today", None) == today:
        return []
    env.anchor_sop_today = today
    return sorted(
        docname
        for docname, store in stores(env).items()
        if store.documents or store.exceptions or store.shows_all
    )


# --- exceptions -------------------------------------------------------------------


class ExceptionDirective(SphinxDirective):
    """An approved, time-boxed exception to one or more rules."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict] = {
        "id": directives.unchanged,
        EXEMPTS: directives.unchanged,
        "system": directives.unchanged,
        "approved-by": directives.unchanged,
        "start": directives.unchanged,
        "expires": directives.unchanged,
        "example": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        location = (self.env.docname, self.lineno)
        title = self.arguments[0]
        need_id = self.options.get("id", "").strip()
        values = {
            key: " ".join(self.options.get(key, "").split())
            for key in (EXEMPTS, "system", "approved-by", "start", "expires")
        }
        for key, value in values.items():
            if not value:
                report(
                    location,
                    "exception_field",
                    f"The exception {need_id or title!r} has no ':{key}:'",
                    f"add ':{key}:' — an exception names the rules it exempts, the "
                    "system, who approved it, its start and its expiry date",
                )
        if not self.content:
            report(
                location,
                "exception_field",
                f"The exception {need_id or title!r} gives no reason",
                "write the reason in the directive's body",
            )
        roles = self.config.anchor_owner_roles
        if values["approved-by"] and values["approved-by"] not in roles:
            report(
                location,
                "exception_approver",
                f"The exception {need_id!r} is approved by {values['approved-by']!r}, "
                "which is not a declared role",
                f"use one of {', '.join(roles)}",
            )
        start = (
            parse_date(values["start"], location, "start date of the exception")
            if values["start"]
            else None
        )
        expires = (
            parse_date(values["expires"], location, "expiry date of the exception")
            if values["expires"]
            else None
        )
        if start and expires and expires < start:
            report(
                location,
                "exception_dates",
                f"The exception {need_id!r} expires ({expires}) before it starts ({start})",
                "correct ':start:' or ':expires:'",
            )
        exempts = [v for v in re.split(r"[\s,]+", values[EXEMPTS]) if v]
        example = "example" in self.options

        box = nodes.container(classes=["anchor-need", "anchor-exception"])
        self.set_source_info(box)
        if check_need_id(location, need_id, EXCEPTION_PREFIX, "exception"):
            label = f"{title} ({values['system']}, until {values['expires']})"
            if example:
                label = f"Example: {label}"
            need_nodes = create_need(
                self,
                EXCEPTION,
                need_id,
                label,
                **{
                    # a worked example is not in force: it links to no rule, so no
                    # rule lists it among its exceptions (the register still shows it)
                    EXEMPTS: [] if example else exempts,
                    "system": values["system"],
                    "approved_by": values["approved-by"],
                    "start": values["start"],
                    "expires": values["expires"],
                },
            )
            if need_nodes is not None:
                box["ids"] = [need_id]
                box += need_nodes
                if start and expires:
                    doc_store(self.env, self.env.docname).exceptions.append(
                        ExceptionRecord(
                            need_id=need_id,
                            title=title,
                            exempts=exempts,
                            system=values["system"],
                            approved_by=values["approved-by"],
                            start=start,
                            expires=expires,
                            example=example,
                            docname=self.env.docname,
                            lineno=self.lineno,
                        )
                    )
        heading = nodes.paragraph(
            "",
            "",
            id_badge(need_id or "no ID"),
            nodes.Text(" "),
            nodes.strong(text=title),
            classes=["anchor-need-title"],
        )
        if example:
            heading += nodes.Text(" ")
            heading += state_badge("example")
        box += heading
        box += simple_table(
            ["Exempts", "System", "Approved by", "Start", "Expires"],
            [
                [
                    nodes.Text(", ".join(exempts)),
                    nodes.Text(values["system"]),
                    nodes.Text(values["approved-by"]),
                    nodes.Text(values["start"]),
                    nodes.Text(values["expires"]),
                ]
            ],
            classes=["anchor-exception-facts"],
        )
        box += need_body(self)
        return [box]


# --- the register pages -----------------------------------------------------------


class register(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for a register page's content (``kind`` says which)."""


def register_directive(kind: str) -> type[SphinxDirective]:
    class RegisterDirective(SphinxDirective):
        def run(self) -> list[nodes.Node]:
            doc_store(self.env, self.env.docname).shows = REGISTERS[kind].shows
            node = register(kind=kind)
            self.set_source_info(node)
            return [node]

    RegisterDirective.__name__ = f"{kind.title().replace('-', '')}Directive"
    return RegisterDirective


def _doc_link(app: Sphinx, fromdocname: str, record: DocumentRecord) -> nodes.Node:
    return link_to(app, fromdocname, record.docname, "", nodes.Text(record.title))


def review_status_rows(app: Sphinx, today: date) -> list[tuple[DocumentRecord, date, str]]:
    """Every document with its next review and state, sorted by due date."""
    rows = []
    for record in all_documents(app.env):
        due = next_review(record, app.config.anchor_review_interval_months)
        rows.append((record, due, review_state(due, today)))
    return sorted(rows, key=lambda row: (row[1], row[0].title))


def _review_status(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    rows = []
    for record, due, state in review_status_rows(app, clock.today()):
        rows.append(
            [
                _doc_link(app, fromdocname, record),
                nodes.Text(record.kind),
                nodes.Text(record.owner),
                nodes.Text(record.last_reviewed.isoformat()),
                nodes.Text(due.isoformat()),
                state_badge(state),
                state_badge(record.status),
            ]
        )
    return [
        simple_table(
            ["Document", "Kind", "Owner", "Last reviewed", "Next review due", "State", "Status"],
            rows,
            classes=["anchor-review-status"],
        )
    ]


def _owners(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    needs = get_needs_view(app)
    rules_by_doc: dict[str, list] = {}
    for need in needs.values():
        if need["type"] == RULE:
            rules_by_doc.setdefault(need["docname"], []).append(need)
    by_owner: dict[str, list[DocumentRecord]] = {}
    for record in all_documents(app.env):
        by_owner.setdefault(record.owner, []).append(record)
    result: list[nodes.Node] = []
    for owner in sorted(by_owner):
        result.append(nodes.rubric(text=owner, classes=["anchor-owner"]))
        items = nodes.bullet_list()
        for record in sorted(by_owner[owner], key=lambda r: r.title):
            entry = nodes.paragraph(
                "", "", _doc_link(app, fromdocname, record), nodes.Text(f" ({record.kind})")
            )
            rules = sorted(
                rules_by_doc.get(record.docname, []) if record.prefix else [], key=lambda n: n["id"]
            )
            rules = [n for n in rules if n["id"].startswith(f"{record.prefix}-")]
            if rules:
                entry += nodes.Text(f" — {len(rules)} rules: ")
                for index, need in enumerate(rules):
                    if index:
                        entry += nodes.Text(" ")
                    entry += id_link(app, fromdocname, need_ref(need))
            items += nodes.list_item("", entry)
        result.append(items)
    return result


def _exceptions_register(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    needs = get_needs_view(app)
    today = clock.today()
    rows = []
    for record in sorted(all_exceptions(app.env), key=lambda r: (r.expires, r.need_id)):
        rules = nodes.inline()
        for index, rule_id in enumerate(record.exempts):
            if index:
                rules += nodes.Text(", ")
            rules += (
                need_reference(app, fromdocname, need_ref(needs[rule_id]))
                if rule_id in needs
                else nodes.literal(text=rule_id)
            )
        rows.append(
            [
                link_to(app, fromdocname, record.docname, record.need_id, id_badge(record.need_id)),
                rules,
                nodes.Text(record.system),
                nodes.Text(record.approved_by),
                nodes.Text(record.start.isoformat()),
                nodes.Text(record.expires.isoformat()),
                state_badge(exception_state(record, today)),
            ]
        )
    if not rows:
        return [nodes.paragraph(text="No exception is recorded.")]
    return [
        simple_table(
            ["ID", "Exempts", "System", "Approved by", "Start", "Expires", "State"],
            rows,
            classes=["anchor-exceptions-register"],
        )
    ]


def review_status_csv(app: Sphinx) -> bytes:
    """The review status table as CSV, one row per document, for the audit pack."""
    header = ["Document", "Kind", "Page", "ID prefix", "Owner", "Last reviewed"]
    header += ["Next review due", "State", "Status"]
    rows = [
        [
            record.title,
            record.kind,
            record.docname,
            record.prefix or "",
            record.owner,
            record.last_reviewed.isoformat(),
            due.isoformat(),
            state,
            record.status,
        ]
        for record, due, state in review_status_rows(app, clock.today())
    ]
    return csv_bytes([header, *rows])


class Register(NamedTuple):
    """How a register page is made, and what of every page it shows."""

    make: Callable[[Sphinx, str], list[nodes.Node]]
    shows: frozenset[str]


REGISTERS = {
    # the documents' records alone: a renamed rule leaves the register as it was
    "review-status": Register(_review_status, frozenset({DOCUMENTS})),
    "owners": Register(_owners, EVERYTHING),
    "exceptions-register": Register(_exceptions_register, EVERYTHING),
}


def _resolve_registers(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    for node in list(doctree.findall(register)):
        node.replace_self(REGISTERS[node["kind"]].make(app, fromdocname))


def setup_lifecycle(app: Sphinx) -> None:
    app.add_config_value("anchor_review_interval_months", 12, "env", types=(int,))
    app.add_config_value("anchor_lifecycle_enforcement", "warn", "env", types=(str,))
    app.add_node(review_banner)
    app.add_node(register)
    for kind in REGISTERS:
        app.add_directive(kind, register_directive(kind))
    # not "exception": that name is the Python domain's directive
    app.add_directive("policy-exception", ExceptionDirective)
    app.connect("doctree-read", _mark_draft_titles, priority=600)
    app.connect("env-get-updated", _rewrite_on_new_day)
    app.connect("env-check-consistency", check_lifecycle)
    app.connect(RESOLVE_EVENT, _resolve_review_banners)
    app.connect(RESOLVE_EVENT, _resolve_registers)
    add_export(app, REVIEW_CSV, review_status_csv)
