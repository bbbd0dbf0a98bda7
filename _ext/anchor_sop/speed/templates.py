"""The page templates compiled once and cached beside the doctrees, and
looked at on disk once per build.

Jinja compiles furo's templates again in every build process (a quarter of a
second of each preview rebuild); with a bytecode cache in the doctree folder
they are compiled once. And for every page it renders, Jinja asks of each
template the page takes (a dozen of furo's) whether its file changed since it
was loaded, one ``stat`` each; a build never changes its theme's files, so
here it does not ask (``auto_reload`` off: a new build process loads them
again). Both are set on the Jinja environment inside Sphinx's template
bridge (``builder.templates.environment``).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from sphinx.application import Sphinx

from .switch import when_on


@when_on("templates")
def cache_compiled_templates(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        cache = Path(app.doctreedir) / "jinja-cache"
        cache.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(cache))
        environment.auto_reload = False


def setup_templates(app: Sphinx) -> None:
    app.connect("builder-inited", cache_compiled_templates)
