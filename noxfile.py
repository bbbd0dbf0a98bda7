"""One session per job: docs, serve, tests, compat, lint, bench, baseline, record, audit,
mutants."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

# virtualenv (a dependency of nox) brings its own pip: Debian's Python without
# python3-venv has no ensurepip, so its venv module cannot seed one
nox.options.default_venv_backend = "virtualenv"
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
        # the log says what changed and the warnings; the pages show the warnings too
        "-q",
        "-D",
        "anchor_preview_warnings=1",
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
        "anchor_sop.traceability.baseline",
        str(out / "needs.json"),
        str(ROOT / "traceability-baseline.json"),
        *session.posargs,
        env={"PYTHONPATH": str(ROOT / "_ext")},
    )


@nox.session
def record(session: nox.Session) -> None:
    """Place downloaded records under their final numbers (`-- FILE...`), never over a
    file; `-- --resolve` settles a merge in which two operators added the same record."""
    install(session)
    # the files are named from where nox was called
    here = Path(session.invoked_from)
    args = [a if a.startswith("-") else str(here / a) for a in session.posargs]
    session.run(
        "python",
        "-m",
        "anchor_sop.evidence",
        "--root",
        str(ROOT),
        *args,
        env={"PYTHONPATH": str(ROOT / "_ext")},
    )


@nox.session
def audit(session: nox.Session) -> None:
    """The audit pack: site, PDF, exports, manifest (`-- --since REF` adds the changes,
    `-- --period FIRST:LAST` sets the audit period of the population and findings)."""
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


#: The tests run in a worker per core, a file's tests in one worker (its
#: session-scoped builds are made once); `-- -n 0` runs them in this process.
PARALLEL = ["-n", "auto", "--dist", "loadfile"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (real Sphinx builds, the browser, the audit pack)."""
    install(session, "test", "pdf", "serve")
    session.run("pytest", *PARALLEL, *session.posargs)


#: The test files whose tests are builds (no browser, PDF or preview server).
BUILD_TESTS = [
    "tests/test_speed.py",
    "tests/test_builds.py",
    "tests/test_directives.py",
    "tests/test_errors.py",
    "tests/test_lifecycle.py",
    "tests/test_traceability.py",
    "tests/test_content.py",
]


#: An interpreter's name with its version: python3.13, not python3.13-config.
VERSIONED = re.compile(r"python3\.\d+")


def newest_python() -> str:
    """The newest CPython 3 on this machine: on PATH, or installed by pyenv."""
    candidates = {sys.executable}
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidates.update(
            str(p) for p in Path(folder).glob("python3.*") if VERSIONED.fullmatch(p.name)
        )
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates.update(str(p) for p in pyenv.glob("versions/3.*/bin/python3"))
    found = {}
    for candidate in sorted(candidates):
        try:
            result = subprocess.run(
                [candidate, "-c", "import sys; print(*sys.version_info[:3])"],
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:
            continue
        if result.returncode == 0:  # a pyenv shim of an inactive version fails
            found.setdefault(tuple(map(int, result.stdout.split())), candidate)
    return found[max(found)]


@nox.session(python=False)
def compat(session: nox.Session) -> None:
    """The newest releases on the newest Python: the site strictly, and the build
    tests, with the speedups on and off."""
    python = newest_python()
    venv = ROOT / ".nox" / "compat"
    if not (venv / "bin" / "python").exists():
        # virtualenv seeds pip itself, where the interpreter has no ensurepip
        session.run(sys.executable, "-m", "virtualenv", "-q", "-p", python, str(venv))
    bin_dir = venv / "bin"
    session.run(
        str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--upgrade",
        *SITE_DEPENDENCIES, *nox.project.dependency_groups(PYPROJECT, "test"),
        external=True,
    )  # fmt: skip
    session.run(str(bin_dir / "python"), "-m", "pip", "list", external=True, silent=False)
    for setting in ("1", "0"):
        out = BUILD / "compat" / f"speedups-{setting}"
        shutil.rmtree(out, ignore_errors=True)
        session.run(
            str(bin_dir / "sphinx-build"), "-b", "html", "-W", "--keep-going", "-n", "-q",
            "-j", "auto", "-D", f"anchor_speedups={setting}", "-d", str(out / "doctrees"),
            *SPHINX_ARGS, str(out / "html"),
            external=True,
        )  # fmt: skip
    session.run(str(bin_dir / "pytest"), *PARALLEL, *BUILD_TESTS, *session.posargs, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Build speed and memory: real site and 1k/5k/20k needs (`-- --quick`: site + 1k)."""
    install(session, "serve")
    session.run("python", str(ROOT / "bench" / "run.py"), *session.posargs)


#: The rules' logic under mutation testing: periods, business days, month ends,
#: offsets, deadlines, the next free number, review and exception states, and how a
#: rule's records make its findings (mutmut's names of the functions).
MUTATED = [
    "anchor_sop.clock.x_add_months*",
    "anchor_sop.model.x_id_number*",
    "anchor_sop.model.x_next_free_id*",
    "anchor_sop.evidence.place.x_final_id*",
    "anchor_sop.clock.x_parse_datetime*",
    "anchor_sop.clock.x_date_mistake*",
    "anchor_sop.clock.x_datetime_mistake*",
    *(
        f"anchor_sop.evidence.requirements.x_{name}*"
        for name in ("add_business_days", "deadline", "later_than", "day_of", "holds")
    ),
    *(
        f"anchor_sop.lifecycle.reviews.x_{name}*"
        for name in ("next_review", "review_state", "exception_state")
    ),
    *(
        f"anchor_sop.evidence.operation.x_{name}*"
        for name in (
            "operate",
            "population_of",
            "_recurrence",
            "_within",
            "_before",
            "_differs",
            "_is",
            "_set",
            "_all_done",
        )
    ),
    "anchor_sop.evidence.operation.xǁRecordsǁ_read_moment*",
    "anchor_sop.evidence.operation.xǁRecordsǁdate_of*",
    "anchor_sop.evidence.operation.xǁRecordsǁof_kind_by_day*",
    "anchor_sop.evidence.operation.xǁRecordsǁfinding*",
]
MUTMUT_CONFIG = """[mutmut]
source_paths = src/
only_mutate = src/anchor_sop/*
pytest_add_cli_args_test_selection = tests/test_rules_logic.py
pytest_add_cli_args =
    -p
    no:xdist
    -p
    no:cacheprovider
"""


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the rules' logic against its unit tests; fails on a survivor."""
    install(session, "test", "mutants")
    # mutmut names modules from a src/ layout: the package and its unit tests, staged
    work = BUILD / "mutants"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "_ext", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (work / "tests").mkdir()
    for name in ("conftest.py", "test_rules_logic.py"):
        shutil.copy(ROOT / "tests" / name, work / "tests" / name)
    (work / "setup.cfg").write_text(MUTMUT_CONFIG)
    session.chdir(work)
    session.run("mutmut", "run", "--max-children", str(os.cpu_count() or 1), *MUTATED)
    results = session.run("mutmut", "results", silent=True) or ""
    # a mutant no test runs survives as surely as one the tests miss
    survivors = [
        line.strip() for line in results.splitlines() if line.endswith((": survived", ": no tests"))
    ]
    if survivors:
        session.error(
            "Surviving mutants (see each with 'mutmut show NAME' in build/mutants):\n"
            + "\n".join(survivors)
        )
    session.log("No mutant of the rules' logic survives its unit tests.")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting of the Python code."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    paths = ["_ext", "tests", "bench", "conf.py", "noxfile.py", "noxw.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)
