"""The PDF of the manual: sphinx-simplepdf's builder, styled for print.

The PDF is built by sphinx-simplepdf (``-b simplepdf``; HTML on one page, then
WeasyPrint). It is optional: nothing here imports it, and the site builds
without it. When the builder runs, this adds the print stylesheet
(``static/anchor-sop-pdf.css``): each document starts on a new page, a rule,
a checklist item or a table row is never split across pages, and the site's
colours and layouts that need a screen are replaced.

On one page, a document's sections keep the ids they had on their own page,
so "Purpose" is ``purpose`` in every policy; the table of contents links to
``#document-<page>#<section>``, which nothing carries. Each section gets a
marker with that id too, so every entry of the contents (and its page
number) leads to its own section.

The cover shows the site title, the version (``version``: the audit pack sets
the git commit and its date) and the build date (``html_context``'s
``cover_meta_data``); see :mod:`anchor_sop.audit`.
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx

PDF_BUILDER = "simplepdf"
PDF_NAME = "anchor-sop.pdf"
#: The PDF's accent colour; static/anchor-sop-pdf.css uses the same.
PDF_COLOR = "#1d4e89"


def _half_transparent(color: str) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, .5)"


#: sphinx-simplepdf's settings (its builder reads them before builder-inited).
SIMPLEPDF_CONFIG = {
    "simplepdf_file_name": PDF_NAME,
    # in process: no search for a ``weasyprint`` program on the PATH
    "simplepdf_use_weasyprint_api": True,
    "simplepdf_sidebars": {"**": ["anchor-pdf-toc.html"]},
    "simplepdf_vars": {
        "primary": PDF_COLOR,
        "primary-opaque": _half_transparent(PDF_COLOR),
        "links": PDF_COLOR,
        "cover-bg": PDF_COLOR,
        "bottom-center-content": '"Anchor MSP — internal"',
    },
}
DOCUMENT_MARKER = re.compile(r'<span id="document-([^"]+)"></span>|<section id="([^"]+)">')


def mark_sections(body: str) -> str:
    """Give each section on the single page an id scoped by its document."""
    document = ""

    def marked(match: re.Match) -> str:
        nonlocal document
        if match[1] is not None:
            document = match[1]
            return match[0]
        marker = f"document-{document}#{match[2]}"
        return f'{match[0]}<span id="{marker}" class="anchor-section-marker"></span>'

    return DOCUMENT_MARKER.sub(marked, body)


def _mark_sections(app: Sphinx, _pagename, _template, context: dict, _doctree) -> None:
    if app.builder.name == PDF_BUILDER and "body" in context:
        context["body"] = mark_sections(context["body"])


def _configure_simplepdf(_app: Sphinx, config) -> None:
    """Set sphinx-simplepdf's options (the one place for them), when it is loaded."""
    for name, value in SIMPLEPDF_CONFIG.items():
        if name in config:
            setattr(config, name, value)


def _add_print_stylesheet(app: Sphinx) -> None:
    if app.builder.name == PDF_BUILDER:
        app.add_css_file("anchor-sop-pdf.css")


def setup_pdf(app: Sphinx) -> None:
    app.connect("config-inited", _configure_simplepdf)
    app.connect("builder-inited", _add_print_stylesheet)
    app.connect("html-page-context", _mark_sections)
