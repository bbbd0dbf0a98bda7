"""The responsibility matrix: who owns which operational domain.

The matrix is data written in the page, one YAML mapping per domain::

    :::{responsibility-matrix} Responsibility matrix
    :id-prefix: RM
    :parties: Anchor, EGI / Mast

    - id: RM-01
      domain: Production monitoring
      accountable: Anchor
      cells: {Anchor: Owns, EGI / Mast: "—"}
      governed-by: [PO-02]
    :::

Each row is a need of type ``responsibility`` linked (``governed_by``) to the
rules that govern it. The directive checks that every row names every declared
party and no other, and exactly one accountable party. It renders a table::

    <container classes="anchor-matrix">
        <table classes="anchor-matrix-table">
            <title> caption
            <thead>  Domain | <party>... | Governing rules
            <tbody>
                <row ids="RM-01"> <entry stub> domain | cells (accountable: "A" badge)
                                  | <trace_list link="governed_by">
        <paragraph classes="anchor-matrix-legend"> legend
"""

from __future__ import annotations

import re
from typing import ClassVar

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from .. import yamldata
from ..diagnostics import report
from ..model import ACCOUNTABLE, DOMAIN, GOVERNED_BY, PREFIX_REGEX
from ..needs_model import check_need_id, create_need, replace_need_directive
from ..render import badge, placeholder

ROW_KEYS = {"id", "domain", "accountable", "cells", "governed-by"}
NONE_MARK = "—"


class MatrixDirective(SphinxDirective):
    """A responsibility matrix written as YAML rows."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict] = {
        "id-prefix": directives.unchanged,
        "parties": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        location = (self.env.docname, self.lineno)
        caption = self.arguments[0] if self.arguments else "Responsibility matrix"
        parties = [p.strip() for p in self.options.get("parties", "").split(",") if p.strip()]
        if not parties:
            report(
                location,
                "missing_parties",
                "The responsibility matrix declares no parties",
                "add ':parties: Anchor, EGI / Mast' (the columns, comma-separated)",
            )
        prefix = self.options.get("id-prefix", "").strip()
        if not PREFIX_REGEX.match(prefix):
            report(
                location,
                "bad_prefix",
                f"The responsibility matrix has no valid ID prefix ({prefix!r})",
                "add ':id-prefix: RM' (2-8 upper-case letters or digits)",
            )
            prefix = None
        rows = self.read_rows()
        if rows is None:
            return [nodes.literal_block("\n".join(self.content), "\n".join(self.content))]
        table = self.build_table(caption, parties)
        tbody = table[-1][-1]
        for line, row in rows:
            tbody += self.build_row(line, row, parties, prefix)
        legend = nodes.paragraph(
            "",
            "",
            accountable_badge(),
            nodes.Text(
                " accountable: the one party that answers for the domain. "
                f"{NONE_MARK} : no part in the domain."
            ),
            classes=["anchor-matrix-legend"],
        )
        container = nodes.container("", table, legend, classes=["anchor-matrix"])
        self.set_source_info(container)
        return [container]

    def read_rows(self) -> list[tuple[int, dict]] | None:
        """The rows with the line each starts on, or None if the YAML is unreadable."""
        text = "\n".join(self.content)
        try:
            root = yamldata.compose(text)
            rows = (
                [(node, yamldata.construct(node)) for node in root.value]
                if isinstance(root, yaml.SequenceNode)
                else []
            )
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            report(
                (self.env.docname, self.source_line(mark.line if mark else 0)),
                "matrix_yaml",
                f"The responsibility matrix is not valid YAML: {error}",
                "write one '- id: ...' mapping per domain, indented consistently",
            )
            return None
        if not rows:
            report(
                (self.env.docname, self.lineno),
                "matrix_yaml",
                "The responsibility matrix has no rows",
                "write one '- id: ...' mapping per domain",
            )
            return None
        return [(self.source_line(node.start_mark.line), row) for node, row in rows]

    def source_line(self, content_line: int) -> int:
        """The file's line number (1-based) of a line of the directive's content.

        Found in the directive's block text, because MyST numbers the content's
        lines from 0 and its ``content_offset`` does not count the options.
        """
        block = self.block_text.splitlines()
        content = list(self.content)
        start = next((k for k in range(len(block)) if block[k : k + len(content)] == content), 1)
        return self.lineno + start + content_line

    def build_table(self, caption: str, parties: list[str]) -> nodes.table:
        columns = ["Domain", *parties, "Governing rules"]
        tgroup = nodes.tgroup(cols=len(columns))
        # relative widths, for the builders that lay out columns themselves (text, LaTeX)
        widths = [20] + [24] * len(parties) + [18]
        for index, width in enumerate(widths):
            tgroup += nodes.colspec(colwidth=width, stub=1 if index == 0 else 0)
        head_row = nodes.row()
        for column in columns:
            head_row += nodes.entry("", nodes.paragraph(text=column))
        tgroup += nodes.thead("", head_row)
        tgroup += nodes.tbody()
        table = nodes.table("", nodes.title(text=caption), tgroup, classes=["anchor-matrix-table"])
        self.set_source_info(table)
        return table

    def build_row(
        self, line: int, row: object, parties: list[str], prefix: str | None
    ) -> nodes.row:
        location = (self.env.docname, line)
        if not isinstance(row, dict):
            report(
                location,
                "matrix_row",
                "A matrix row is not a mapping",
                "write the row as 'id:', 'domain:', 'accountable:', 'cells:' keys",
            )
            row = {}
        for key in sorted(set(row) - ROW_KEYS):
            report(
                location,
                "matrix_key",
                f"The matrix row has an unknown key {key!r}",
                f"use only {', '.join(sorted(ROW_KEYS))}",
            )
        need_id = str(row.get("id", "")).strip()
        domain = str(row.get("domain", "")).strip()
        if not domain:
            report(
                location,
                "matrix_domain",
                f"The matrix row {need_id!r} names no domain",
                "add 'domain: <operational domain>'",
            )
        cells = row.get("cells") if isinstance(row.get("cells"), dict) else {}
        for party in parties:
            if party not in cells:
                report(
                    location,
                    "matrix_missing_party",
                    f"The matrix row {domain!r} has no value for the party {party!r}",
                    f"add '{party}: <responsibility>' to its cells ('{NONE_MARK}' for none)",
                )
        for party in cells:
            if party not in parties:
                report(
                    location,
                    "matrix_unknown_party",
                    f"The matrix row {domain!r} names the party {party!r}, which is not declared",
                    f"use one of {', '.join(parties)}, or declare it in ':parties:'",
                )
        accountable = self.read_accountable(location, domain, row.get(ACCOUNTABLE), parties)
        governed_by = row.get("governed-by") or []
        if isinstance(governed_by, str):
            governed_by = [g for g in re.split(r"[\s,]+", governed_by) if g]

        tr = nodes.row()
        stub = nodes.entry("", nodes.paragraph(text=domain))
        tr += stub
        for party in parties:
            cell = nodes.paragraph(text=str(cells.get(party, "")))
            if party == accountable:
                cell += nodes.Text(" ")
                cell += accountable_badge()
            tr += nodes.entry("", cell)
        rules_cell = nodes.entry()
        tr += rules_cell
        if check_need_id(location, need_id, prefix, "responsibility row"):
            content = "\n".join(f"{party}: {cells.get(party, '')}" for party in parties)
            need_nodes = create_need(
                self,
                DOMAIN,
                need_id,
                domain,
                lineno=line,
                content=content,
                **{ACCOUNTABLE: accountable, GOVERNED_BY: [str(g) for g in governed_by]},
            )
            if need_nodes is not None:
                tr["ids"] = [need_id]
                stub += need_nodes
                rules = placeholder(self, need_id, GOVERNED_BY, "", "None")
                rules.line = line
                rules_cell += rules
        return tr

    def read_accountable(self, location, domain, value, parties) -> str | None:
        named = value if isinstance(value, list) else [value] if value else []
        if len(named) != 1:
            report(
                location,
                "matrix_accountable",
                f"The matrix row {domain!r} has {len(named)} accountable parties; "
                "a domain has exactly one",
                "set 'accountable:' to the one party that answers for the domain",
            )
            return None
        if named[0] not in parties:
            report(
                location,
                "matrix_unknown_party",
                f"The accountable party {named[0]!r} of the matrix row {domain!r} is not declared",
                f"use one of {', '.join(parties)}",
            )
            return None
        return str(named[0])


def accountable_badge() -> nodes.Node:
    return badge("A", "info", "anchor-accountable", tooltip="Accountable")


def setup_matrix(app: Sphinx) -> None:
    app.add_directive("responsibility-matrix", MatrixDirective)
    replace_need_directive(app, DOMAIN, MatrixDirective)
