"""Each stylesheet's and script's checksum looked up once per build.

Every page links the site's stylesheets and scripts with ``?v=<checksum>``,
and for each of them on each page Sphinx resolves the file's path, a system
call per folder of it, before its cache of checksums by resolved path is
asked: about 25 files per page, a millisecond a page. Here the checksum is
remembered by the output folder and the name the page gives, for the build
with the speedup on: the same file, so the same checksum (Sphinx's own cache
already holds each file's first checksum for the life of the process).
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx
from sphinx.builders import html as html_builder

from .switch import when_on

#: Sphinx's own lookup, put back when the build finishes.
_SPHINX_CHECKSUM = html_builder._file_checksum


@when_on("checksums")
def _remember_checksums(app: Sphinx, _builder) -> None:
    remembered: dict[tuple[str, str], str] = {}

    def checksum(outdir: os.PathLike[str], filename: str | os.PathLike[str]) -> str:
        key = (os.fspath(outdir), os.fspath(filename))
        if key not in remembered:
            remembered[key] = _SPHINX_CHECKSUM(outdir, filename)
        return remembered[key]

    html_builder._file_checksum = checksum


def _put_back(_app: Sphinx, _exception: Exception | None) -> None:
    html_builder._file_checksum = _SPHINX_CHECKSUM


def setup_assets(app: Sphinx) -> None:
    app.connect("write-started", _remember_checksums)
    app.connect("build-finished", _put_back)
