"""Fixtures: small projects built with Sphinx's own test application, and the real site."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

pytest_plugins = ("sphinx.testing.fixtures",)

REPO = Path(__file__).resolve().parent.parent
EXT = REPO / "_ext"
README = REPO / "README.md"
# the extension's modules, for the tests that call them directly
sys.path.insert(0, str(EXT))

FIXTURE_CONF = f"""
import sys
sys.path.insert(0, {str(EXT)!r})
extensions = ["myst_parser", "sphinx_design", "sphinx_needs", "anchor_sop"]
myst_enable_extensions = ["colon_fence"]
root_doc = "index"
html_theme = "furo"
anchor_owner_roles = ["Anchor MSP Operations Lead"]
"""

# The real site's conf.py, read where it lives (it finds _ext beside itself).
SITE_CONF = f"""
__file__ = {str(REPO / "conf.py")!r}
exec(compile(open(__file__).read(), __file__, "exec"))
"""


def warnings_of(app: SphinxTestApp) -> list[str]:
    """The warnings of a build, one per entry (continuation lines joined)."""
    text = strip_escape_sequences(app.warning.getvalue())
    return [w.strip() for w in re.split(r"\n(?=\S)", text) if w.strip()]


def write_pages(srcdir: Path, pages: dict[str, str]) -> None:
    """Write ``pages`` and an index page whose toctree holds them all."""
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "conf.py").write_text(FIXTURE_CONF)
    toctree = "\n".join(pages)
    (srcdir / "index.md").write_text(f"# Index\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, text in pages.items():
        (srcdir / f"{name}.md").parent.mkdir(parents=True, exist_ok=True)
        (srcdir / f"{name}.md").write_text(text)


ROOTS = Path(__file__).resolve().parent / "roots"


def root_pages(name: str) -> dict[str, str]:
    """The pages of the fixture project ``tests/roots/test-NAME``, by document name, in
    the order its index lists them (``build`` writes that index again)."""
    root = ROOTS / f"test-{name}"
    index = (root / "index.md").read_text()
    names = index[index.index("```{toctree}\n") + 13 : index.rindex("```")].split()
    return {page: (root / f"{page}.md").read_text() for page in names}


#: The README's directive snippets, each built on a page of its own with this heading.
SNIPPET_PAGES = {
    "policy": "# Backup Policy\n\n",
    "checklist": "# Handoff Acceptance Checklist\n\n",
    "template": "# Decision Log Template\n\n",
    "matrix": "# Production Ownership\n\n",
}


def snippet_pages() -> dict[str, str]:
    """The README's directive snippets as pages."""
    snippets = readme_snippets()
    return {name: head + snippets[name] + "\n" for name, head in SNIPPET_PAGES.items()}


#: Every traceability view on one page: the gaps view has two tables.
TRACE_PAGE = "# Trace\n\n" + "".join(
    f"```{{traceability}} {view}\n```\n\n"
    for view in ("matrix", "reverse", "gaps", "responsibility")
)


def policy_page(title: str, prefix: str, reviewed: str, extra: str = "") -> str:
    """A policy page with one rule, ``PREFIX-01``, last reviewed on ``reviewed``."""
    return f"""# {title}

:::{{policy}}
:id-prefix: {prefix}
:owner: Anchor MSP Operations Lead
:last-reviewed: {reviewed}
{extra}:::

## Purpose

Why the policy exists.

## Scope

What it covers.

## Policy

:::{{rule}} First rule
:id: {prefix}-01
:not-verifiable: Example.
Do the first thing.
:::

## Exceptions

None.
"""


# The design spec's sidebar order (lifecycle of a system in Anchor's care).
SPEC_SECTIONS = [
    "Production Ownership",
    "Client Onboarding",
    "System Handoff Acceptance",
    "Monitoring and Alerting",
    "Logging and Metrics",
    "Backup and Restore",
    "Secrets Management",
    "Security Operations",
    "Incident Response",
    "Change Management",
    "Access Control",
    "Runbooks",
    "Decision Logs",
]

BuildFn = Callable[..., SphinxTestApp]


@pytest.fixture
def build(make_app, tmp_path: Path) -> BuildFn:
    """Build a small project of MyST pages: ``build({"page": text}, "html")``;
    ``parallel=2`` as ``-j 2``."""

    def _build(
        pages: dict[str, str], buildername: str = "html", parallel: int = 1, **overrides
    ) -> SphinxTestApp:
        srcdir = tmp_path / "src"
        write_pages(srcdir, pages)
        app = make_app(
            buildername, srcdir=srcdir, freshenv=True, parallel=parallel, confoverrides=overrides
        )
        app.build()
        return app

    return _build


def copy_site(srcdir: Path) -> Path:
    """The real site's pages at ``srcdir``, with a conf.py that reads the real one."""
    shutil.copytree(REPO / "source", srcdir)
    (srcdir / "conf.py").write_text(SITE_CONF)
    return srcdir


def place_record(root: Path, *args: str | Path, cwd: Path | None = None):
    """The README's ``python3 noxw.py -s record -- ARGS``: the module nox runs, here
    with the test's interpreter (nox would install the site's dependencies first)."""
    return subprocess.run(
        [sys.executable, "-m", "anchor_sop.evidence", "--root", str(root), *map(str, args)],
        cwd=cwd or root,
        env={**os.environ, "PYTHONPATH": str(EXT)},
        capture_output=True,
        text=True,
        check=False,
    )


def answer_dialog(page, accept: bool) -> list[str]:
    """Answer the page's next dialog; the list gets what it asked."""
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)
    return asked


@pytest.fixture
def checkout(make_app, tmp_path: Path, monkeypatch):
    """A checkout of a small project (its pages in ``source/``) on day ``today``, built
    once without a warning: ``srcdir, first_app, rebuild = checkout(pages, today)``."""

    def _checkout(pages: dict[str, str], today: str):
        monkeypatch.setenv("ANCHOR_TODAY", today)
        srcdir = tmp_path / "source"
        write_pages(srcdir, pages)

        def rebuild() -> SphinxTestApp:
            app = make_app("html", srcdir=srcdir, freshenv=True)
            app.build()
            app.cleanup()
            return app

        first = rebuild()
        assert warnings_of(first) == []
        return srcdir, first, rebuild

    return _checkout


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> SphinxTestApp:
    """The real site, built once into a temporary directory."""
    srcdir = copy_site(tmp_path_factory.mktemp("site") / "source")
    app = SphinxTestApp("html", srcdir=srcdir, freshenv=True)
    try:
        app.build()
    finally:
        # undo the global docutils registrations now, not at the session's end, so
        # the other tests' applications start clean; the built site stays readable
        app.cleanup()
    return app


def readme_snippets() -> dict[str, str]:
    """The README's copyable examples, by the name in their ``snippet`` marker."""
    text = README.read_text()
    found = re.findall(r"<!-- snippet: (\w+) -->\n```markdown\n(.*?)\n```\n", text, re.S)
    return dict(found)


def pytest_addoption(parser) -> None:
    parser.addoption("--snapshot-update", action="store_true", help="rewrite the doctree snapshots")


# --- the published site, served and driven in a real browser ----------------------


def security_headers() -> dict[str, str]:
    """The response headers the host sends (vercel.json is the one place)."""
    import json

    config = json.loads((REPO / "vercel.json").read_text())
    return {h["key"]: h["value"] for h in config["headers"][0]["headers"]}


@contextlib.contextmanager
def serving(root: Path):
    """``root`` served on 127.0.0.1 as the host serves it: its headers, its 404 page;
    yields the address."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    headers = security_headers()

    class Handler(SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            for key, value in headers.items():
                self.send_header(key, value)
            super().end_headers()

        def send_error(self, code, message=None, explain=None) -> None:
            if code != 404 or not (root / "404.html").is_file():
                return super().send_error(code, message, explain)
            body = (root / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None

        def log_message(self, *_args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            # a page left before it finished loading closes its connection mid-file
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    httpd = Server(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="session")
def server(site):
    """The real site, served as the host serves it."""
    with serving(site.outdir) as address:
        yield address


def system_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; Playwright's own browser where it is absent."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=system_chromium(),
            args=[
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def site_pages(site) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root."""
    return sorted(
        str(p.relative_to(site.outdir))
        for p in site.outdir.rglob("*.html")
        if not p.relative_to(site.outdir).parts[0].startswith("_")
    )
