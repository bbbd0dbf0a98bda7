"""Charts made at build time, as inline SVG: for people who look rather than read.

Each chart is a ``raw`` HTML node holding an ``<svg role="img">`` with a
``<title>`` (its name for a screen reader), followed by the same numbers as a
table (for screen readers, print and the other builders). The SVG carries
classes, never inline styles: the stylesheet colours it from furo's
variables, so dark mode follows and the production CSP (no inline style)
holds. Every text is escaped.

- :func:`bar_chart`: one bar per row (a share, 0-100%), e.g. coverage by policy.
- :func:`grid_chart`: a cell per row and column, shaded by its count, an empty
  cell outlined (a gap), e.g. records per system and month.
"""

from __future__ import annotations

from html import escape

from docutils import nodes

from .render import simple_table

LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT = 260, 300, 22


def _svg(title: str, width: int, height: int, body: list[str]) -> nodes.raw:
    svg = (
        f'<svg class="anchor-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )
    return nodes.raw("", f'<figure class="anchor-chart-figure">{svg}</figure>', format="html")


def bar_chart(title: str, rows: list[tuple[str, float | None, str]]) -> nodes.raw:
    """Bars of ``(label, percent or None, value as text)``; the caller shows the numbers
    as a table beside it (the view it illustrates, or :func:`numbers`)."""
    body = []
    for index, (label, percent, text) in enumerate(rows):
        y = index * ROW_HEIGHT
        body.append(
            f'<text class="anchor-chart-label" x="{LABEL_WIDTH - 6}" y="{y + 15}" '
            f'text-anchor="end">{escape(_short(label))}</text>'
            f'<rect class="anchor-chart-track" x="{LABEL_WIDTH}" y="{y + 4}" '
            f'width="{BAR_WIDTH}" height="{ROW_HEIGHT - 8}"/>'
        )
        if percent is not None:
            body.append(
                f'<rect class="anchor-chart-bar" x="{LABEL_WIDTH}" y="{y + 4}" '
                f'width="{BAR_WIDTH * percent / 100:.1f}" height="{ROW_HEIGHT - 8}"/>'
            )
        body.append(
            f'<text class="anchor-chart-value" x="{LABEL_WIDTH + BAR_WIDTH + 6}" '
            f'y="{y + 15}">{escape(text)}</text>'
        )
    width = LABEL_WIDTH + BAR_WIDTH + 80
    return _svg(title, width, max(len(rows), 1) * ROW_HEIGHT, body)


def grid_chart(
    title: str, rows: list[str], columns: list[str], counts: dict[tuple[str, str], int]
) -> list[nodes.Node]:
    """A cell per (row, column), darker with its count; a gap (0) is outlined in the
    danger colour. Then the counts as a table."""
    cell, left, top = 26, 180, 40
    # columns named YYYY-MM: the month under each, the year where it starts
    body = []
    for i, column in enumerate(columns):
        year, _, month = column.partition("-")
        x = left + i * cell + cell / 2
        if i == 0 or month == "01":
            body.append(
                f'<text class="anchor-chart-label" x="{x}" y="{top - 22}" '
                f'text-anchor="middle">{escape(year)}</text>'
            )
        body.append(
            f'<text class="anchor-chart-label" x="{x}" y="{top - 8}" '
            f'text-anchor="middle">{escape(month or column)}</text>'
        )
    most = max(counts.values(), default=0) or 1
    for j, row in enumerate(rows):
        y = top + j * cell
        body.append(
            f'<text class="anchor-chart-label" x="{left - 6}" y="{y + 15}" '
            f'text-anchor="end">{escape(_short(row, 26))}</text>'
        )
        for i, column in enumerate(columns):
            count = counts.get((row, column), 0)
            shade = "gap" if count == 0 else str(min(4, 1 + 3 * count // most))
            body.append(
                f'<rect class="anchor-chart-cell anchor-chart-cell-{shade}" '
                f'x="{left + i * cell + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}">'
                f"<title>{escape(row)}, {escape(column)}: {count}</title></rect>"
            )
    width = left + len(columns) * cell + 10
    table = numbers(
        ["", *columns], [[row, *(str(counts.get((row, c), 0)) for c in columns)] for row in rows]
    )
    return [_svg(title, width, top + max(len(rows), 1) * cell + 4, body), table]


def numbers(headers: list[str], rows: list[list[str]]) -> nodes.table:
    """A chart's numbers, as a table."""
    return simple_table(
        headers,
        [[nodes.Text(value) for value in row] for row in rows],
        classes=["anchor-chart-data"],
    )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
