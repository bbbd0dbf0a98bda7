"""``policy-exception``: an approved, time-boxed exception to rules.

It is a need of type ``exception`` that ``exempts`` them (each rule lists it);
its record feeds the exceptions register and the expiry check
(:mod:`anchor_sop.lifecycle`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ..diagnostics import report
from ..documents import parse_date
from ..model import EXCEPTION, EXCEPTION_PREFIX, EXEMPTS
from ..needs_model import check_need_id, create_need
from ..render import id_badge, need_body, simple_table, state_badge
from ..store import ExceptionRecord, doc_store


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


def setup_exception(app: Sphinx) -> None:
    # not "exception": that name is the Python domain's directive
    app.add_directive("policy-exception", ExceptionDirective)
