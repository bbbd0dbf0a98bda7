"""One session per job: docs, serve, tests, lint, bench, baseline, audit."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["docs"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
SITE_DEPENDENCIES = PYPROJECT["project"]["dependencies"]
BUILD = ROOT / "build"
# confdir is the top level (conf.py), the pages are in source/
SPHINX_ARGS = ["-c", str(ROOT), str(ROOT / "source")]


def install(session: nox.Session, *groups: str) -> None:
    session.install(*SITE_DEPENDENCIES)
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site from scratch, strictly: any warning fails the build."""
    install(session)
    html = BUILD / "html"
    shutil.rmtree(html, ignore_errors=True)
    shutil.rmtree(BUILD / "doctrees", ignore_errors=True)
    session.run(
        "sphinx-build",
        "-b",
        "html",
        "-W",
        "--keep-going",
        "-n",
        "-q",
        "-j",
        "auto",  # one worker per core: the output is the same as a serial build's
        "-d",
        str(BUILD / "doctrees"),
        *SPHINX_ARGS,
        str(html),
        *session.posargs,
    )
    index = html / "intro.html"
    session.log(f"Site built: {index}")
    session.log(f"Open it in a browser: file://{index}  (or: python3 -m http.server -d {html})")


@nox.session
def serve(session: nox.Session) -> None:
    """Preview with live reload on http://127.0.0.1:8000 while editing."""
    install(session, "serve")
    session.run(
        "python",
        "-m",
        "anchor_sop.preview",  # sphinx-autobuild, with rebuilds that start warm
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--watch",
        str(ROOT / "_ext"),
        "--watch",
        str(ROOT / "conf.py"),
        "-d",
        str(BUILD / "serve-doctrees"),
        *SPHINX_ARGS,
        str(BUILD / "serve"),
        *session.posargs,
        env={"PYTHONPATH": str(ROOT / "_ext")},
    )


@nox.session
def baseline(session: nox.Session) -> None:
    """Accept the current links after re-review: all, or those of the IDs given."""
    install(session)
    out = BUILD / "baseline"
    session.run(
        "sphinx-build",
        "-b",
        "html",
        "-q",
        "-d",
        str(BUILD / "baseline-doctrees"),
        *SPHINX_ARGS,
        str(out),
    )
    session.run(
        "python",
        "-m",
        "anchor_sop.baseline",
        str(out / "needs.json"),
        str(ROOT / "traceability-baseline.json"),
        *session.posargs,
        env={"PYTHONPATH": str(ROOT / "_ext")},
    )


@nox.session
def audit(session: nox.Session) -> None:
    """The audit pack: site, PDF, exports, manifest (`-- --since REF` adds the changes)."""
    install(session, "pdf")
    session.run(
        "python",
        "-m",
        "anchor_sop.audit",
        "--root",
        str(ROOT),
        "--out",
        str(BUILD / "audit"),
        *session.posargs,
        env={"PYTHONPATH": str(ROOT / "_ext")},
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (real Sphinx builds, the browser, the audit pack)."""
    install(session, "test", "pdf", "serve")
    session.run("pytest", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Build speed and memory: real site and 1k/5k/20k needs (`-- --quick`: site + 1k)."""
    install(session, "serve")
    session.run("python", str(ROOT / "bench" / "run.py"), *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting of the Python code."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    paths = ["_ext", "tests", "bench", "conf.py", "noxfile.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)
