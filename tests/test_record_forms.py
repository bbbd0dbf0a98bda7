"""Every kind of record written in its form, in a real browser, and built.

A fixture project (a managed system, a runbook, an incident, every register)
is built and its registers page opened from ``file://`` in Debian's Chromium,
in Berlin's time zone. Each form is filled in with hostile text and
downloaded; the downloads are placed unchanged with the record command, and
the project is built again, strictly: each record holds what was typed, and
is in its register and on its system's page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docutils import nodes
from playwright.sync_api import expect

from anchor_sop.model.kinds import CHANGE_AREAS, KINDS
from anchor_sop.store import all_records
from conftest import answer_dialog, place_record, warnings_of, write_pages

REGISTERS = "# Registers\n\n" + "".join(f"```{{record-register}} {kind}\n```\n\n" for kind in KINDS)
PAGES = {
    "registers": REGISTERS,
    "runbook": "# Cerberus runbook\n\nWhat to do.\n",
    "records/systems/SYS-01": """# Cerberus

:::{managed-system} SYS-01
:team: EGI
:status: managed
:accepted-on: 2026-01-05
:::
""",
    "records/incidents/INC-001": """# API outage

:::{incident} INC-001
:detected: 2026-03-06T09:00+01:00
:severity: High
:system: SYS-01
:commander: Dana
:status: Open
:::
""",
}

#: What an operator may type: fences, roles, HTML, quotes, Markdown, other scripts.
HOSTILE = ':::\n:::{note}\n<script>alert("x")</script> *not bold* [a](b) \\ $x$ # hash'
HOSTILE_TITLE = ':::{note} <b>x</b> # *not bold* "q" 日本語 🚒'
SECTION = '## not a heading\n    not code\n- not a list\n1. nor this\n:::{warning}\n<i>"x"</i>'


def one_line(text: str) -> str:
    return " ".join(text.split())


#: Each kind's form as filled in: field -> value (a list for several choices). A
#: field that applies only when another has a value is filled after it.
FILLED = {
    "managed-system": {
        "title": "Hydra " + HOSTILE_TITLE,
        "team": "Mast",
        "status": "managed",
        "accepted-on": "2026-04-01",
        "runbook": "/runbook",
    },
    "incident": {
        "title": "Disk full " + HOSTILE_TITLE,
        "detected": "2026-07-01T10:00",
        "severity": "High",
        "system": "SYS-01",
        "commander": HOSTILE,
        "status": "Closed",
        "resolved": "2026-07-01T12:00",
        "closed": "2026-01-15T09:00",
    },
    "postmortem": {
        "title": "Postmortem " + HOSTILE_TITLE,
        "incident": "INC-001",
        "held-on": "2026-07-03",
        **{name: f"{name}: {SECTION}" for name in KINDS["postmortem"].sections},
    },
    "change": {
        "title": "DNS failover " + HOSTILE_TITLE,
        "type": "emergency",
        "system": "SYS-01",
        "changes": ["DNS", "secrets"],
        "by": HOSTILE,
        "executed": "2026-07-01T10:30",
        "why": HOSTILE,
        "rollback-plan": HOSTILE,
        "documented": "2026-07-01T15:00",
        "lead-reviewed": "2026-07-02T09:00",
        "outcome": "failed",
        "rolled-back": "2026-07-01T11:00",
        "incident": "INC-001",
    },
    "restore-test": {
        "title": "Restore " + HOSTILE_TITLE,
        "system": "SYS-01",
        "tested-on": "2026-07-04",
        "backup": HOSTILE,
        "result": "fail",
        "integrity-verified": "no",
        "tested-by": HOSTILE,
        "incident": "INC-001",
    },
    "security-review": {
        "title": "Review " + HOSTILE_TITLE,
        "reviewed-on": "2026-07-05",
        "by": HOSTILE,
        "findings": HOSTILE,
    },
    "decision": {
        "title": "Decision " + HOSTILE_TITLE,
        "decided-on": "2026-07-06",
        "revisit-on": "2027-01-06",
        **{name: f"{name}: {SECTION}" for name in KINDS["decision"].sections},
    },
}
#: What each form downloads as, and what the record command places it as.
NUMBERED = {
    "managed-system": "SYS-02",
    "incident": "INC-002",
    "postmortem": "PM-001",
    "change": "CR-001",
    "restore-test": "RT-001",
    "security-review": "SRV-001",
    "decision": "DEC-001",
}


@pytest.fixture
def project(checkout):
    return checkout(PAGES, "2026-07-10")


@pytest.fixture
def context(browser):
    context = browser.new_context(accept_downloads=True, timezone_id="Europe/Berlin")
    yield context
    context.close()


@pytest.fixture
def registers(context, project):
    _srcdir, app, _build = project
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((app.outdir / "registers.html").as_uri())
    yield page
    assert errors == []


def form_of(page, kind: str):
    form = page.locator(f'details.anchor-record-form[data-kind="{kind}"]')
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    return form


def field_of(form, name: str):
    return form.locator(f'.anchor-form-field[data-name="{name}"]')


def fill(form, name: str, value) -> None:
    field = field_of(form, name)
    if isinstance(value, list):
        for choice in value:
            field.get_by_label(choice, exact=True).check()
    elif field.locator("select").count():
        field.locator("select").select_option(value)
    else:
        field.locator("input, textarea").first.fill(value)


def download(page, form, target: Path) -> Path:
    with page.expect_download() as info:
        form.locator(".anchor-form-download").click()
    path = target / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_every_kind_is_written_downloaded_placed_and_built_as_typed(registers, project, tmp_path):
    srcdir, _app, build = project
    page = registers
    downloads = tmp_path / "downloads"
    files = {}
    for kind, values in FILLED.items():
        form = form_of(page, kind)
        for name, value in values.items():
            fill(form, name, value)
        files[kind] = download(page, form, downloads)
        assert files[kind].name == f"{NUMBERED[kind]}.md"
        assert form.locator(".anchor-form-message").inner_text() == (
            f"Downloaded {NUMBERED[kind]}.md."
        )
        git_line = form.locator(".anchor-form-git").inner_text()
        assert git_line == f"python3 noxw.py -s record -- ~/Downloads/{NUMBERED[kind]}.md"
    for kind, path in files.items():
        placed = place_record(srcdir.parent, path)
        assert placed.returncode == 0, placed.stderr
        number = NUMBERED[kind]
        assert f"Placed {number} at source/records/{KINDS[kind].folder}/{number}.md" in (
            placed.stdout
        )
    app = build()
    assert warnings_of(app) == []

    records = {r.need_id: r for r in all_records(app.env)}
    for kind, values in FILLED.items():
        record = records[NUMBERED[kind]]
        assert record.kind == kind
        assert record.title == one_line(values["title"])
        fields = KINDS[kind].fields_by_name
        expected = {}
        for name, typed in values.items():
            if name not in fields:
                continue
            value = typed
            if isinstance(typed, list):  # in the order of the configured list
                value = ", ".join(c for c in CHANGE_AREAS if c in typed)
            elif fields[name].type == "datetime":
                # Berlin's offset at that moment: summer time in July, not in January
                value += "+01:00" if typed.startswith("2026-01") else "+02:00"
            expected[name] = one_line(value)
        assert record.values == expected, kind

    # the sections hold the text as typed, each line as written, nothing made markup
    for kind in ("postmortem", "decision"):
        doctree = app.env.get_doctree(f"records/{KINDS[kind].folder}/{NUMBERED[kind]}")
        top = next(iter(doctree.findall(nodes.section)))
        sections = [s for s in top.children if isinstance(s, nodes.section)]
        assert [s[0].astext() for s in sections] == list(KINDS[kind].sections)
        for section in sections:
            name = section[0].astext()
            assert len(section) == 2 and isinstance(section[1], nodes.paragraph)
            lines = [line.strip() for line in f"{name}: {SECTION}".splitlines()]
            # as the manual's prose, with typographic quotes (Sphinx's smartquotes)
            shown = section[1].astext().translate({0x201C: '"', 0x201D: '"'})
            assert shown == "\n".join(lines)

    html = {p: p.read_text() for p in app.outdir.rglob("*.html")}
    assert not any("<script>alert" in text or "<b>x</b>" in text for text in html.values())
    register = (app.outdir / "registers.html").read_text()
    system = (app.outdir / "records/systems/SYS-01.html").read_text()
    for kind, number in NUMBERED.items():
        assert (
            f'id="{number}"'
            in (app.outdir / f"records/{KINDS[kind].folder}/{number}.html").read_text()
        )
        assert f"{number}.html" in register, number
        if "system" in KINDS[kind].fields_by_name:
            assert f"{number}.html" in system, number
    assert "&lt;b&gt;x&lt;/b&gt;" in register


def test_fields_appear_when_they_apply(registers):
    change = form_of(registers, "change")
    normal_steps = ["submitted", "reviewed", "reviewed-by", "approved", "approved-by"]
    for name in [*normal_steps, "documented", "lead-reviewed", "rolled-back", "incident"]:
        expect(field_of(change, name)).to_be_hidden()
    fill(change, "type", "normal")
    for name in normal_steps:
        expect(field_of(change, name)).to_be_visible()
    expect(field_of(change, "lead-reviewed")).to_be_hidden()
    fill(change, "type", "emergency")
    for name in normal_steps:
        expect(field_of(change, name)).to_be_hidden()
    expect(field_of(change, "lead-reviewed")).to_be_visible()
    documented = field_of(change, "documented")
    expect(documented).to_be_visible()
    expect(documented.locator(".anchor-form-required")).to_be_visible()
    fill(change, "type", "standard")  # documented before executed, and optional
    expect(documented).to_be_visible()
    expect(documented.locator(".anchor-form-required")).to_be_hidden()
    fill(change, "outcome", "failed")
    expect(field_of(change, "incident")).to_be_visible()
    expect(field_of(change, "rolled-back")).to_be_visible()
    fill(change, "outcome", "succeeded")
    expect(field_of(change, "incident")).to_be_hidden()

    restore = form_of(registers, "restore-test")
    expect(field_of(restore, "incident")).to_be_hidden()
    fill(restore, "result", "fail")
    expect(field_of(restore, "incident")).to_be_visible()
    # the incident offered is the one recorded; the example-free list has no other
    options = field_of(restore, "incident").locator("option").all_inner_texts()
    assert options == ["Choose one", "INC-001 API outage"]

    incident = form_of(registers, "incident")
    for status, shown in (
        ("Open", []),
        ("Resolved", ["resolved"]),
        ("Closed", ["resolved", "closed"]),
    ):
        fill(incident, "status", status)
        for name in ("resolved", "closed"):
            if name in shown:
                expect(field_of(incident, name)).to_be_visible()
            else:
                expect(field_of(incident, name)).to_be_hidden()


def test_what_the_build_would_reject_is_named_before_the_download(registers, tmp_path):
    page = registers
    incident = form_of(page, "incident")
    downloads: list[object] = []

    def downloaded(download) -> None:
        downloads.append(download)

    page.on("download", downloaded)
    incident.locator(".anchor-form-download").click()
    message = incident.locator(".anchor-form-message").inner_text()
    assert message == (
        "Not complete: Title is missing; Detected is missing; Severity is missing; "
        "System is missing; Incident commander is missing; Status is missing."
    )
    assert field_of(incident, "title").locator("input").get_attribute("aria-invalid") == "true"
    for name, value in FILLED["incident"].items():
        if name not in ("resolved", "closed"):
            fill(incident, name, value)
    fill(incident, "status", "Resolved")  # resolved is then required, closed does not apply
    incident.locator(".anchor-form-download").click()
    assert incident.locator(".anchor-form-message").inner_text() == (
        "Not complete: Resolved is missing."
    )
    fill(incident, "resolved", "2026-07-01T12:00")
    assert field_of(incident, "title").locator("input").get_attribute("aria-invalid") == "false"

    system = form_of(page, "managed-system")
    fill(system, "title", "Hydra")
    fill(system, "team", "unknown")
    fill(system, "status", "onboarding")  # accepted-on does not apply yet
    fill(system, "runbook", "/no-such-page")
    system.locator(".anchor-form-download").click()
    assert system.locator(".anchor-form-message").inner_text() == (
        'Not complete: Runbook "/no-such-page" is not a page of the manual.'
    )
    assert downloads == []
    with page.expect_download() as info:
        incident.locator(".anchor-form-download").click()
    text = Path(info.value.path()).read_text()
    assert ":resolved: 2026-07-01T12:00+02:00" in text
    assert ":closed:" not in text  # filled in before, but it does not apply to Resolved


def test_a_record_with_nothing_to_link_says_to_record_that_first(make_app, tmp_path, context):
    srcdir = tmp_path / "empty"
    write_pages(srcdir, {"registers": REGISTERS})
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    app.cleanup()
    page = context.new_page()
    page.goto((app.outdir / "registers.html").as_uri())
    restore = form_of(page, "restore-test")
    restore.locator(".anchor-form-download").click()
    assert "System is required, and there is none to choose yet: record it first" in (
        restore.locator(".anchor-form-message").inner_text()
    )
    # with no system yet, a new one is SYS-01
    system = form_of(page, "managed-system")
    fill(system, "title", "Cerberus")
    fill(system, "team", "EGI")
    fill(system, "status", "onboarding")
    with page.expect_download() as info:
        system.locator(".anchor-form-download").click()
    assert info.value.suggested_filename == "SYS-01.md"


def test_what_is_typed_survives_a_reload_and_a_new_record_asks_first(registers, tmp_path):
    page = registers
    form = form_of(page, "security-review")
    fill(form, "title", "Weekly review")
    fill(form, "by", "Dana")
    page.reload()
    form = form_of(page, "security-review")
    assert field_of(form, "title").locator("input").input_value() == "Weekly review"
    assert field_of(form, "by").locator("input").input_value() == "Dana"
    # not downloaded: starting anew asks, and declining keeps what was typed
    asked = answer_dialog(page, accept=False)
    form.locator(".anchor-form-new").click()
    assert asked == [
        "Start a new record? This one has not been downloaded: what you typed is lost."
    ]
    assert field_of(form, "by").locator("input").input_value() == "Dana"
    fill(form, "reviewed-on", "2026-07-05")
    fill(form, "findings", "none")
    first = download(page, form, tmp_path)
    assert first.name == "SRV-001.md"
    form.locator(".anchor-form-new").click()  # downloaded: nothing to lose, nothing asked
    assert field_of(form, "by").locator("input").input_value() == ""
    for name, value in (
        ("title", "Next"),
        ("by", "Eve"),
        ("reviewed-on", "2026-07-12"),
        ("findings", "x"),
    ):
        fill(form, name, value)
    assert download(page, form, tmp_path).name == "SRV-002.md"  # a new record, a new number


def test_the_form_is_keyboard_operable(registers):
    page = registers
    summary = page.locator('details.anchor-record-form[data-kind="decision"] summary')
    summary.focus()
    page.keyboard.press("Enter")
    form = page.locator('details.anchor-record-form[data-kind="decision"]')
    expect(form).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    page.keyboard.type("Keep it simple")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "anchor-form-decision-decided-on"
    assert field_of(form, "title").locator("input").input_value() == "Keep it simple"


@pytest.mark.parametrize("width", [400, 1280])
def test_the_forms_fit_the_screen_and_pass_axe(browser, project, width):
    from axe_playwright_python.sync_playwright import Axe

    _srcdir, app, _build = project
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto((app.outdir / "registers.html").as_uri())
    for kind in KINDS:
        if kind != "checklist-run":
            form_of(page, kind)
    fill(form_of(page, "change"), "type", "normal")
    overflow = page.evaluate(
        "Array.from(document.querySelectorAll('.anchor-record-form'))"
        ".filter(f => f.scrollWidth > f.clientWidth + 1).map(f => f.dataset.kind)"
    )
    assert overflow == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    results = axe_violations(Axe().run(page))
    assert results == []
    context.close()


def axe_violations(results) -> list[str]:
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_run_register_points_to_the_checklists(project):
    _srcdir, app, _build = project
    register = (app.outdir / "registers.html").read_text()
    assert 'data-kind="checklist-run"' not in register
    assert re.search(r"A run is recorded on its checklist.s page", register)
