"""The extension's structure: what imports what, where its state is, and that
ARCHITECTURE.md says what the code does."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from anchor_sop.state import BuildState, EnvState
from conftest import EXT, REPO, write_pages

PACKAGE = EXT / "anchor_sop"
ARCHITECTURE = (REPO / "ARCHITECTURE.md").read_text()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(EXT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The nodes under ``if TYPE_CHECKING:`` (imported for annotations, never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for inner in ast.walk(node)}
    return skipped


def imports_of(module: str) -> set[str]:
    """The modules ``module`` imports when it runs, at any depth (functions too)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped = _type_checking_only(tree)
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return found


def test_imports_are_read_the_way_python_resolves_them():
    # the reader itself: a relative import two levels up, a module named in a from-import
    assert "anchor_sop.store" in imports_of("anchor_sop.traceability.report")
    assert "anchor_sop.clock" in imports_of("anchor_sop.exports.files")
    assert "anchor_sop.speed.switch" in imports_of("anchor_sop.speed.tables")
    # names under TYPE_CHECKING are not imports
    assert "anchor_sop.traceability.report" not in imports_of("anchor_sop.state")


def test_no_module_outside_speed_imports_speed():
    outside = [m for m in MODULES if not m.startswith("anchor_sop.speed")]
    importing = {
        module: sorted(i for i in imports_of(module) if i.startswith("anchor_sop.speed"))
        for module in outside
    }
    assert {m: i for m, i in importing.items() if i} == {}
    # the speed package is loaded by name, as an extension, from the package's setup
    assert 'app.setup_extension("anchor_sop.speed")' in (PACKAGE / "__init__.py").read_text()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circle():
    graph = {m: {i for i in imports_of(m) if i in MODULES and i != m} for m in MODULES}
    assert _cycles(graph) == []
    # the check finds one where there is one
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_state_is_made_on_the_side():
    """Every value the extension keeps is a field of BuildState or EnvState: none is an
    attribute of its own on the application or the environment, and none is made
    lazily with getattr or hasattr."""
    stray = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("anchor_sop_"):
                stray.append(f"{module}:{node.lineno}: .{node.attr}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr", "setattr")
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and str(node.args[1].value).startswith("anchor_sop")
            ):
                stray.append(f"{module}:{node.lineno}: {node.func.id}")
    assert stray == []


def _table_after(heading: str, text: str = ARCHITECTURE) -> list[list[str]]:
    """The rows of the first table after ``heading`` in ``text``, as cells."""
    section = text.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # after the header and its rule


def _fields_listed(caption: str) -> set[str]:
    section = ARCHITECTURE.split("## State it keeps", 1)[1]
    return {row[0].strip("`") for row in _table_after(caption, section)}


def test_architecture_lists_the_state_declared():
    assert _fields_listed("`BuildState`") == {f.name for f in dataclasses.fields(BuildState)}
    assert _fields_listed("`EnvState`") == {f.name for f in dataclasses.fields(EnvState)}


@pytest.fixture
def connected(make_app, tmp_path) -> set[tuple[str, int, str]]:
    """(event, priority, handler) for every handler the extension connects."""
    write_pages(tmp_path / "src", {"page": "# Page\n"})
    app = make_app("html", srcdir=tmp_path / "src", freshenv=True)
    found = set()
    for event, listeners in app.events.listeners.items():
        for listener in listeners:
            handler = listener.handler
            module = getattr(handler, "__module__", "") or ""
            if module == "anchor_sop" or module.startswith("anchor_sop."):
                name = f"{module}.{handler.__qualname__}".removeprefix("anchor_sop.")
                name = name.split(".<locals>")[0].removeprefix("anchor_sop.")
                found.add((event, listener.priority, name))
    return found


def test_architecture_lists_every_handler_connected(connected):
    listed = set()
    for event, priority, handlers, _why in _table_after("## Event handlers, in order"):
        for handler in re.findall(r"`([^`]+)`", handlers):
            listed.add((event.strip("`"), int(priority), handler))
    assert len(listed) > 60
    assert listed - connected == set()  # listed, not connected
    assert connected - listed == set()  # connected, not listed


def test_architecture_says_where_each_directive_is(make_app, tmp_path):
    """Its directive index names every directive the extension registers, by the
    module that defines it."""
    from docutils.parsers.rst import directives

    write_pages(tmp_path / "src", {"page": "# Page\n"})
    make_app("html", srcdir=tmp_path / "src", freshenv=True)
    registered = {
        name: cls.__module__.removeprefix("anchor_sop.").replace(".", "/") + ".py"
        for name, cls in directives._directives.items()  # docutils' registry: no public list
        if getattr(cls, "__module__", "").startswith("anchor_sop.")
    }
    listed = {}
    for names, module, _what in _table_after("## Directives"):
        for name in re.findall(r"`([^`]+)`", names):
            listed[name] = module.strip("`")
    assert len(listed) > 25
    assert listed == registered


def _headers(html: str, table_class: str) -> list[list[str]]:
    """The header cells of each table of ``table_class`` on a page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return [
        [th.get_text(strip=True) for th in table.select("thead th")]
        for table in soup.select(f"table.{table_class}")
    ]


def test_each_view_has_the_same_columns_on_its_page_and_in_its_export(site):
    """A view is declared once: the page's headers are the export's, less the columns
    only an export carries (the matrix's policy is its heading on the page, its link
    states are badges; the review status's page and prefix)."""
    import csv
    import io

    from openpyxl import load_workbook

    out = site.outdir
    matrix = _headers((out / "traceability" / "matrix.html").read_text(), "anchor-trace-matrix")
    exported = next(csv.reader(io.StringIO((out / "traceability.csv").read_text())))
    assert len(matrix) > 5
    assert all(h == [c for c in exported if c not in ("Policy", "Link states")] for h in matrix)
    book = load_workbook(out / "traceability.xlsx")
    assert [c.value for c in book["Matrix"][1]] == exported
    review = _headers((out / "about" / "review-status.html").read_text(), "anchor-review-status")
    in_csv = next(csv.reader(io.StringIO((out / "review-status.csv").read_text())))
    assert review == [[c for c in in_csv if c not in ("Page", "ID prefix")]]
    assert [c.value for c in book["Review status"][1]] == in_csv
    # a register's headers are its kind's field labels
    incidents = _headers(
        (out / "incident-response" / "incident-log.html").read_text(), "anchor-register-incident"
    )
    labels = ["Detected", "Severity", "System", "Incident commander", "Status", "Postmortem"]
    assert incidents == [["ID", "Title", *labels, "Findings"]]
