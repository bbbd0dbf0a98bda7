"""The audit pack: one reproducible zip that hands an auditor everything.

``python -m anchor_sop.audit [--since REF]`` (what ``nox -s audit`` runs):

1. reads the commit, its date and whether the working tree is clean;
2. pins the build's moment to the commit date (``SOURCE_DATE_EPOCH``, unless
   set), so the review states, the exports and the zip are those of the commit;
3. with ``--since``, gets the earlier needs: a needs.json, an earlier pack's
   zip, or a git ref, whose sources are built as they were at that commit;
4. builds the site (HTML, strict) and the PDF (sphinx-simplepdf, strict);
5. writes ``anchor-sop-audit-<commit>.zip``: the site, the PDF, the exports
   (needs.json, the matrix as CSV and XLSX, the review status as CSV, and the
   changes since REF as CSV) and ``manifest.json`` (commit, clean tree,
   dates, tool versions, the SHA-256 of every other file in the pack).

The same commit gives the same bytes: sorted zip entries, one timestamp, and
builds that write no clock time or random id.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.metadata
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import clock
from ..evidence.operation import ALL_TIME
from ..git import GitError, git
from ..model import (
    CHANGES_CSV,
    CRITERIA_CSV,
    EXPORTS_JSON,
    FINDINGS_CSV,
    NEEDS_JSON,
    OSCAL_JSON,
    POPULATION_CSV,
    REVIEW_CSV,
    SAMPLES_CSV,
    SOA_CSV,
    TRACE_CSV,
    TRACE_XLSX,
    nox_command,
)
from ..traceability.changes import ChangesError, load_needs
from .archive import zip_bytes
from .pdf import PDF_BUILDER, PDF_NAME

#: Files of the HTML output that are build machinery, not the site.
NOT_PUBLISHED = (".buildinfo",)
EXPORTS = (
    NEEDS_JSON,
    TRACE_CSV,
    TRACE_XLSX,
    REVIEW_CSV,
    POPULATION_CSV,
    FINDINGS_CSV,
    CRITERIA_CSV,
    SOA_CSV,
    SAMPLES_CSV,
    OSCAL_JSON,
    EXPORTS_JSON,
)
TOOLS = (
    "sphinx",
    "docutils",
    "sphinx-needs",
    "myst-parser",
    "furo",
    "sphinx-design",
    "sphinx-simplepdf",
    "weasyprint",
)
PDF_TOOLS = ("sphinx_simplepdf", "weasyprint")


class AuditError(Exception):
    """A reason the pack cannot be built; the message says what to do."""


@dataclass(frozen=True)
class Commit:
    sha: str
    epoch: int
    clean: bool

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.epoch, tz=UTC).date().isoformat()


def _git(root: Path, *args: str) -> str:
    try:
        return git(root, *args)
    except GitError as error:
        raise AuditError(str(error)) from None


def read_commit(root: Path, ref: str = "HEAD") -> Commit:
    sha = _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}")
    epoch = int(_git(root, "log", "-1", "--format=%ct", sha))
    clean = ref != "HEAD" or _git(root, "status", "--porcelain") == ""
    return Commit(sha, epoch, clean)


def _run_sphinx(source_root: Path, builder: str, out: Path, *options: str):
    """sphinx-build on a project laid out as conf.py + source/; its stderr kept."""
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-q"]
    command += ["-d", str(out.parent / f"{out.name}-doctrees"), "-c", str(source_root)]
    command += [*options, str(source_root / "source"), str(out)]
    # sphinx-simplepdf prints its progress on stdout; warnings and errors are on stderr
    return subprocess.run(
        command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def _sphinx(source_root: Path, builder: str, out: Path, *options: str) -> None:
    done = _run_sphinx(source_root, builder, out, *options)
    if done.returncode:
        raise AuditError(f"the {builder} build failed:\n{done.stderr.strip()}")


def earlier_needs(root: Path, since: str, work: Path) -> tuple[Path, str]:
    """The earlier needs.json for ``--since`` and how to name it in the report."""
    given = Path(since)
    if given.is_file():
        try:
            load_needs(given)
        except ChangesError as error:
            raise AuditError(str(error)) from None
        return given.resolve(), given.name
    try:
        commit = read_commit(root, since)
    except AuditError:
        raise AuditError(
            f"--since {since}: no such file, and no commit of that name. Fix: give a git "
            "ref (tag, branch, commit) or the zip or needs.json of an earlier pack"
        ) from None
    tree = work / "since"
    archive = subprocess.run(
        ["git", "archive", "--format=zip", commit.sha], cwd=root, capture_output=True, check=True
    ).stdout
    # zipfile keeps every member inside the folder on every Python 3.11 (tarfile's
    # extraction filters came with 3.11.4; Debian 12 has 3.11.2)
    with zipfile.ZipFile(io.BytesIO(archive)) as tree_zip:
        tree_zip.extractall(tree)
    if not (tree / "conf.py").is_file() or not (tree / "source").is_dir():
        raise AuditError(f"{since} ({commit.sha[:12]}) has no conf.py and source/ to build")
    out = work / "since-html"
    # the earlier sources as they were, with their own conf.py and extension;
    # not strict: today's tools may warn about yesterday's pages
    done = _run_sphinx(tree, "html", out)
    if not (out / NEEDS_JSON).is_file():
        last_lines = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise AuditError(
            f"building {since} ({commit.sha[:12]}) wrote no {NEEDS_JSON}:\n{last_lines}\n"
            "Fix: give a ref whose sources build, or an earlier pack's zip or needs.json"
        )
    return out / NEEDS_JSON, f"{since} (commit {commit.sha[:12]} of {commit.date})"


def _check_pdf_tools() -> None:
    """Import the PDF tools now: absent, or present without the system's Pango."""
    for name in PDF_TOOLS:
        try:
            importlib.import_module(name)
        except (ImportError, OSError) as error:
            raise AuditError(
                f"the PDF tools are not installed or cannot load ({name}: {error}). Fix: "
                f"run '{nox_command('audit')}', which installs them (the 'pdf' dependency group); "
                "WeasyPrint also needs Pango (Debian: apt-get install libpango-1.0-0 "
                "libpangoft2-1.0-0)"
            ) from None


def _tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _pack_files(html: Path, pdf: Path) -> dict[str, bytes]:
    files = {
        f"html/{path.relative_to(html).as_posix()}": path.read_bytes()
        for path in sorted(html.rglob("*"))
        if path.is_file() and path.name not in NOT_PUBLISHED
    }
    files[PDF_NAME] = (pdf / PDF_NAME).read_bytes()
    for name in (*EXPORTS, CHANGES_CSV):
        if (html / name).is_file():
            files[f"exports/{name}"] = (html / name).read_bytes()
    return files


def manifest(commit: Commit, since: dict | None, files: dict[str, bytes], period: str = "") -> dict:
    return {
        "project": "Anchor SOP",
        "commit": commit.sha,
        "commit_date": datetime.fromtimestamp(commit.epoch, tz=UTC).isoformat(),
        "working_tree_clean": commit.clean,
        "build_date": clock.now().isoformat(),
        "since": since,
        # the audit period the population and findings cover ("all": every record)
        "period": period,
        "tools": _tool_versions(),
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        ],
    }


def build_pack(root: Path, out: Path, since: str | None = None, period: str = "") -> Path:
    """Build the audit pack of the project at ``root`` into ``out``; return the zip."""
    _check_pdf_tools()
    root = root.resolve()
    commit = read_commit(root)
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(commit.epoch))
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="audit-", dir=out))
    try:
        options = ["-W", "--keep-going"]
        since_record = None
        if since:
            needs_path, label = earlier_needs(root, since, work)
            options += ["-D", f"anchor_changes_since={needs_path}"]
            options += ["-D", f"anchor_changes_since_label={label}"]
            since_record = {"ref": since, "label": label}
        # the population of every rule: for the period asked, else for every record
        options += ["-D", f"anchor_audit_period={period or ALL_TIME}"]
        _sphinx(root, "html", work / "html", *options, "-j", "auto")
        version = f"{commit.sha[:12]} ({commit.date})"
        built = clock.now().date().isoformat()
        cover = f"Commit {commit.sha} of {commit.date}. Built {built}."
        if not commit.clean:
            cover += " The working tree had uncommitted changes."
        _sphinx(
            root,
            PDF_BUILDER,
            work / "pdf",
            *options,
            "-D",
            f"version={version}",
            "-D",
            f"release={version}",
            "-A",
            f"cover_meta_data={cover}",
        )
        files = _pack_files(work / "html", work / "pdf")
        files["manifest.json"] = (
            json.dumps(manifest(commit, since_record, files, period or ALL_TIME), indent=2) + "\n"
        ).encode()
        name = f"anchor-sop-audit-{commit.sha[:12]}"
        target = out / f"{name}.zip"
        target.write_bytes(
            zip_bytes({f"{name}/{path}": data for path, data in files.items()}, clock.now())
        )
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m anchor_sop.audit", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project (conf.py)")
    parser.add_argument("--out", type=Path, default=Path("build/audit"), help="where to write")
    parser.add_argument(
        "--since",
        metavar="REF",
        help="add the changes since REF: a git ref, or an earlier pack's zip or needs.json",
    )
    parser.add_argument(
        "--period",
        metavar="FIRST:LAST",
        default="",
        help="the audit period of the population and findings, e.g. 2026-01-01:2026-12-31",
    )
    args = parser.parse_args(argv)
    try:
        target = build_pack(args.root, args.out, args.since, args.period)
    except AuditError as error:
        print(f"audit: {error}", file=sys.stderr)
        return 1
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    print(f"Audit pack: {target}\nSHA-256:    {digest}")
    return 0
