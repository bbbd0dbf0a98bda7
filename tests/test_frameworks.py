"""The frameworks: catalogs by ID, rules mapped to them (proposed until accepted), the
Statement of Applicability derived from the records, samples, OSCAL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date

import pytest
from bs4 import BeautifulSoup

from anchor_sop.frameworks.catalogs import catalog
from anchor_sop.frameworks.samples import draw, frequency_of, population_hash
from anchor_sop.store import Record
from conftest import EXT, readme_snippets, root_pages, warnings_of

PAGES = root_pages("frameworks")
SOA = PAGES["soa"]
PERIOD = {"anchor_audit_period": "2026-01-01:2026-12-31"}


def rows(app, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((app.outdir / name).read_text(encoding="utf-8"))))


def by(rows_: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows_}


def test_the_catalogs_hold_every_criterion_by_id():
    soc2 = [c.id for c in catalog("soc2").criteria]
    iso = [c.id for c in catalog("iso27001").criteria]
    assert len(iso) == 93
    assert iso[0] == "A.5.1" and iso[36] == "A.5.37" and iso[-1] == "A.8.34"
    assert sum(1 for i in iso if i.startswith("A.6.")) == 8
    assert sum(1 for i in iso if i.startswith("A.7.")) == 14
    assert soc2[0] == "CC1.1" and "CC9.2" in soc2 and "CC10.1" not in soc2
    assert [i for i in soc2 if i.startswith(("A1", "C1", "PI1"))] == [
        "A1.1", "A1.2", "A1.3", "C1.1", "C1.2", "PI1.1", "PI1.2", "PI1.3", "PI1.4", "PI1.5",
    ]  # fmt: skip
    assert soc2[-1] == "P8.1" and len(soc2) == 61
    assert {c.category for c in catalog("soc2").criteria if c.id.startswith("A1")} == {"A1"}


def test_the_fixture_builds_without_a_warning(build):
    app = build(PAGES, **PERIOD)
    assert warnings_of(app) == []


@pytest.mark.parametrize(
    ("old", "new", "warning"),
    [
        (
            "- control: A.5.2\n",
            "- control: a5.2\n",
            "soa.md:9: WARNING: The Statement of Applicability names 'a5.2', which is no "
            "control of ISO/IEC 27001:2022 Annex A; did you mean A.5.2?. Fix: write A.5.2",
        ),
        (
            "- control: A.5.2\n",
            "- control: A.5.1\n  undecided: again.\n- control: A.5.2\n",
            "soa.md:9: WARNING: The Statement of Applicability decides A.5.1 twice: here and "
            "on line 7. Fix: keep one of the two entries",
        ),
        (
            "- control: A.5.2\n  undecided: the fixture does not say.\n",
            "",
            "soa.md:3: WARNING: The Statement of Applicability has no decision for A.5.2",
        ),
        (
            "  justification: The fixture runs no premises.\n- control: A.7.2\n",
            "- control: A.7.2\n",
            "soa.md:",  # the line of A.7.1, whose justification went
        ),
    ],
    ids=["unknown", "repeated", "missing", "excluded-without-reason"],
)
def test_each_mistake_in_the_statement_is_one_located_warning(build, old, new, warning):
    assert old in SOA
    app = build({**PAGES, "soa": SOA.replace(old, new, 1)}, **PERIOD)
    found = warnings_of(app)
    assert len(found) == 1, found
    assert warning in found[0]
    if "excluded" in found[0]:
        line = SOA.splitlines().index("- control: A.7.1") + 1
        assert f"soa.md:{line}: WARNING: A.7.1 is excluded without a justification" in found[0]
    if "no decision" in found[0]:
        assert "add '- control: A.5.2' and 'applies: yes'" in found[0]


A_5_2 = "- control: A.5.2\n  undecided: the fixture does not say.\n"


# (case, A.5.2's entry written instead, the line the warning is at, what it says)
ENTRY_MISTAKES = [
    (
        "not yaml",
        "- control: A.5.2\n  undecided: the fixture: does not say.\n",
        "  undecided: the fixture: does not say.",
        "The Statement of Applicability is not valid YAML (mapping values are not allowed",
    ),
    (
        "not a mapping",
        "- A.5.2\n",
        "- A.5.2",
        "This entry of the Statement of Applicability is not a mapping",
    ),
    (
        "no control",
        "- controls: A.5.2\n  undecided: the fixture does not say.\n",
        "- controls: A.5.2",
        "This entry of the Statement of Applicability names no control. Fix: add 'control:'",
    ),
    (
        "unknown key",
        "- control: A.5.2\n  undecide: the fixture does not say.\n",
        "- control: A.5.2",
        "The entry of A.5.2 has the key 'undecide', which is not one of control, applies, "
        "reasons, justification, undecided",
    ),
    (
        "decides nothing",
        "- control: A.5.2\n  applies: maybe\n",
        "- control: A.5.2",
        "The entry of A.5.2 neither decides it nor says it is undecided ('applies' is 'maybe')",
    ),
    (
        "undecided without what is missing",
        "- control: A.5.2\n  undecided: ''\n",
        "- control: A.5.2",
        "A.5.2 is undecided without saying what is missing",
    ),
    (
        "applies without reasons",
        "- control: A.5.2\n  applies: yes\n",
        "- control: A.5.2",
        "A.5.2 applies without its reasons. Fix: write 'reasons: [...]' with those of risk, "
        "legal, contractual, best practice that hold",
    ),
    (
        "an unknown reason",
        "- control: A.5.2\n  applies: yes\n  reasons: [contract]\n",
        "- control: A.5.2",
        "A.5.2 applies with the reason 'contract', which is not one of risk, legal, "
        "contractual, best practice",
    ),
    (
        "a value YAML cannot make",
        "- control: A.5.2\n  undecided: !unknown the fixture does not say.\n",
        "- control: A.5.2",
        "has a value YAML cannot make (could not determine a constructor for the tag '!unknown')",
    ),
]


@pytest.mark.parametrize(
    ("entry", "where", "says"),
    [case[1:] for case in ENTRY_MISTAKES],
    ids=[case[0] for case in ENTRY_MISTAKES],
)
def test_each_malformed_entry_is_one_warning_at_its_line(build, entry, where, says):
    soa = SOA.replace(A_5_2, entry, 1)
    app = build({**PAGES, "soa": soa}, **PERIOD)
    found = warnings_of(app)
    assert len(found) == 1, found  # not also reported missing
    line = soa.splitlines().index(where) + 1
    assert f"soa.md:{line}: WARNING: " in found[0]
    assert says in found[0]
    # the control is shown as undecided: a known gap, never a decision made up
    row = by(rows(app, "soa.csv"), "Control")["A.5.2"]
    assert row["Decision"] == "undecided"


def test_a_statement_that_is_no_list_is_one_warning_not_93(build):
    body = SOA[SOA.index("- control: A.5.1") : SOA.rindex(":::")]
    soa = SOA.replace(body, "control: A.5.1\nundecided: the fixture does not say.\n")
    app = build({**PAGES, "soa": soa}, **PERIOD)
    found = warnings_of(app)
    assert len(found) == 1, found
    line = soa.splitlines().index("control: A.5.1") + 1
    assert f"soa.md:{line}: WARNING: The Statement of Applicability is not a list" in found[0]
    soa_rows = rows(app, "soa.csv")
    assert len(soa_rows) == 93
    assert {row["Decision"] for row in soa_rows} == {"undecided"}


def test_an_empty_statement_is_one_warning_not_93(build):
    body = SOA[SOA.index("- control: A.5.1") : SOA.rindex(":::")]
    app = build({**PAGES, "soa": SOA.replace(body, "")}, **PERIOD)
    found = warnings_of(app)
    line = SOA.splitlines().index(":::{statement-of-applicability}") + 1
    assert len(found) == 1, found
    assert f"soa.md:{line}: WARNING: The Statement of Applicability has no entries" in found[0]
    assert {row["Decision"] for row in rows(app, "soa.csv")} == {"undecided"}


def test_a_second_statement_is_one_warning_naming_the_first(build):
    second = "# Another statement\n\n" + SOA[SOA.index(":::{statement") :]
    app = build({**PAGES, "soa2": second}, **PERIOD)
    found = warnings_of(app)
    first_line = SOA.splitlines().index(":::{statement-of-applicability}") + 1
    assert found == [
        f"{app.srcdir / 'soa2.md'}:3: WARNING: This is a second Statement of Applicability; "
        f"the project's is at soa.md:{first_line}. Fix: put its entries in that statement "
        "and delete this directive [anchor.soa_repeated]"
    ]


def test_a_mistyped_criterion_says_which_one_was_meant(build):
    policy = PAGES["policy"].replace(":satisfies: A.8.13, A1.3", ":satisfies: A8.13, A1.3")
    app = build({**PAGES, "policy": policy}, **PERIOD)
    line = policy.splitlines().index(":satisfies: A8.13, A1.3") + 1
    assert warnings_of(app) == [
        f"{app.srcdir / 'policy.md'}:{line}: WARNING: BKP-01 satisfies 'A8.13', which is not "
        "the ID of any need; did you mean A.8.13?. Fix: write A.8.13 [anchor.unknown_link]"
    ]


def test_the_statement_derives_each_controls_status_from_the_records(build):
    app = build(PAGES, **PERIOD)
    soa = by(rows(app, "soa.csv"), "Control")
    assert len(soa) == 93
    # both restore tests pass: every rule mapped to A.8.13 is met
    assert soa["A.8.13"]["Decision"] == "applicable"
    assert soa["A.8.13"]["Status"] == "implemented"
    assert soa["A.8.13"]["Implementing rules"] == "BKP-01"
    assert soa["A.8.13"]["Latest evidence"] == "2026-06-01 (RT-002)"
    assert soa["A.8.13"]["Owner"] == "Anchor MSP Operations Lead"
    assert soa["A.8.13"]["Last reviewed"] == "2026-04-04"
    # a rule shown by nothing that records
    assert soa["A.8.24"]["Status"] == "not yet evidenced"
    # applicable, and no rule maps to it: a gap
    assert soa["A.8.5"]["Status"] == "no rule"
    assert soa["A.7.1"]["Decision"] == soa["A.7.1"]["Status"] == "excluded"
    assert soa["A.7.1"]["Reasons, justification or what is missing"] == (
        "The fixture runs no premises."
    )
    assert soa["A.5.1"]["Status"] == "undecided"
    page = BeautifulSoup((app.outdir / "soa.html").read_text(), "html.parser")
    header = {
        row.find_all("td")[0].get_text(): row.find_all("td")[1].get_text()
        for row in page.select("table.anchor-soa-header tbody tr")
    }
    assert header["Scope"] == "The managed operations of one system"
    assert header["Approver"] == "Anchor MSP Operations Lead"
    assert header["Framework"] == "ISO/IEC 27001 Annex A, ISO/IEC 27001:2022"
    # an undecided control is a known gap
    gaps = (app.outdir / "soa.html").read_text()
    assert 'id="soa-decisions"' in gaps

    # a failing restore test: the control is partly implemented
    failed = PAGES["records/restore-tests/RT-002"].replace(":result: pass", ":result: fail")
    app = build({**PAGES, "records/restore-tests/RT-002": failed}, **PERIOD)
    assert by(rows(app, "soa.csv"), "Control")["A.8.13"]["Status"] == "partly implemented"
    criteria = by(rows(app, "criteria.csv"), "Criterion")
    assert criteria["A1.3"]["State"] == "partly implemented"


def test_a_control_whose_rules_have_no_records_is_not_yet_evidenced(build):
    pages = {k: v for k, v in PAGES.items() if not k.startswith("records/restore-tests/")}
    app = build(pages, **PERIOD)
    assert by(rows(app, "soa.csv"), "Control")["A.8.13"]["Status"] == "not yet evidenced"


def test_the_soc2_page_lists_every_criterion_with_its_rules_or_as_a_gap(build):
    app = build(PAGES, **PERIOD)
    page = BeautifulSoup((app.outdir / "soc2.html").read_text(), "html.parser")
    table = page.select("table.anchor-framework-criteria tbody tr")
    assert len(table) == 61
    cells = {row.find("td").get_text(): [td.get_text(" ", strip=True) for td in row("td")]
             for row in table}  # fmt: skip
    assert cells["A1.3"][2].startswith("BKP-01")
    assert cells["A1.3"][2] == "BKP-01 proposed"  # its mapping's state beside it
    soc2_page = page.select("table.anchor-framework-criteria .anchor-link-proposed")
    assert [badge.get_text() for badge in soc2_page] == ["proposed"]  # A1.3's only
    assert cells["A1.3"][5] == "implemented"
    assert cells["CC1.1"][2] == "—" and cells["CC1.1"][5] == "no rule"
    # every criterion is a need with an anchor its rules link to, and links back
    satisfied_by = page.find(id="A1.3").select(".anchor-trace .anchor-id")
    assert [badge.get_text() for badge in satisfied_by] == ["BKP-01"]
    assert page.find(id="CC1.1").select_one(".anchor-trace").get_text(" ", strip=True) == (
        "Satisfied by: No rule yet."
    )
    categories = page.select("table.anchor-framework-categories tbody tr")
    a1 = [td.get_text() for td in categories[9]("td")]
    assert a1 == ["A1", "Availability", "3", "1", "33%"]
    assert "No rule maps to 60 criteria" in page.get_text()


def test_a_proposed_mapping_is_accepted_through_the_baseline(build, tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text("{}")
    app = build(PAGES, anchor_trace_baseline=str(baseline), **PERIOD)
    policy = BeautifulSoup((app.outdir / "policy.html").read_text(), "html.parser")
    assert len(policy.select(".anchor-link-proposed")) == 3  # A.8.13, A1.3, A.8.24
    assert "BKP-01 proposed" in by(rows(app, "criteria.csv"), "Criterion")["A.8.13"]["Mapping"]

    # the policy owner accepts BKP-01's mappings: nox -s baseline -- BKP-01
    result = subprocess.run(
        [sys.executable, "-m", "anchor_sop.traceability.baseline",
         str(app.outdir / "needs.json"), str(baseline), "BKP-01"],
        env={"PYTHONPATH": str(EXT)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "accepted: BKP-01 satisfies A.8.13" in result.stdout
    accepted = json.loads(baseline.read_text())
    assert set(accepted) == {"BKP-01 satisfies A.8.13", "BKP-01 satisfies A1.3"}

    app = build(PAGES, anchor_trace_baseline=str(baseline), **PERIOD)
    policy = BeautifulSoup((app.outdir / "policy.html").read_text(), "html.parser")
    assert len(policy.select(".anchor-link-proposed")) == 1  # A.8.24 of BKP-02 alone
    assert by(rows(app, "criteria.csv"), "Criterion")["A.8.13"]["Mapping"] == "BKP-01 accepted"

    # the rule changes: its mappings are proposed again
    changed = PAGES["policy"].replace("and see them pass", "and see each one pass")
    app = build({**PAGES, "policy": changed}, anchor_trace_baseline=str(baseline), **PERIOD)
    assert by(rows(app, "criteria.csv"), "Criterion")["A.8.13"]["Mapping"] == "BKP-01 proposed"


def test_a_sample_is_the_same_for_the_same_population_and_new_for_a_changed_one(build):
    first = rows(build(PAGES, **PERIOD), "samples.csv")
    again = rows(build(PAGES, **PERIOD), "samples.csv")
    assert first == again
    drawn = [row for row in first if row["Rule"] == "BKP-01"]
    # two restore tests over 92 days: one every 46 days, quarterly: a sample of 2
    assert sorted(row["Record drawn"] for row in drawn) == ["RT-001", "RT-002"]
    sample = drawn[0]
    assert (sample["Population"], sample["Period"]) == ("2", "2026-01-01:2026-12-31")
    assert (sample["Frequency"], sample["Sample size"]) == ("quarterly", "2")

    changed = PAGES["records/restore-tests/RT-001"].replace("Dana", "Robin")
    other = rows(build({**PAGES, "records/restore-tests/RT-001": changed}, **PERIOD), "samples.csv")
    resampled = next(row for row in other if row["Rule"] == "BKP-01")
    assert resampled["Population SHA-256"] != sample["Population SHA-256"]
    assert resampled["Seed"] != sample["Seed"]


def test_an_empty_population_did_not_occur_in_the_period(build):
    app = build(PAGES, anchor_audit_period="2025-01-01:2025-12-31")
    [sample] = [row for row in rows(app, "samples.csv") if row["Rule"] == "BKP-01"]
    assert sample["Record drawn"] == "did not occur in the period"
    assert sample["Population"] == "0"


def record(need_id: str, result: str = "pass") -> Record:
    return Record("restore-test", need_id, need_id, {"result": result}, {}, {}, False, "p", 1)


def test_a_sample_is_drawn_by_the_hashes_the_readme_gives():
    """Re-drawn by hand: the seed from the period, the rule and the population's hash;
    each record ranked by the seed followed by its ID."""
    import hashlib

    population = [record(f"RT-{n:03d}") for n in range(1, 11)]
    period = (date(2026, 1, 1), date(2026, 12, 31))
    seed, drawn = draw(period, "BKP-01", population, 3)
    lines = "\n".join(f"RT-{n:03d}\tresult=pass" for n in range(1, 11))
    digest = hashlib.sha256(lines.encode()).hexdigest()
    assert population_hash(population) == digest
    assert seed == hashlib.sha256(f"2026-01-01:2026-12-31\nBKP-01\n{digest}".encode()).hexdigest()
    ranks = sorted(population, key=lambda r: hashlib.sha256((seed + r.need_id).encode()).digest())
    assert drawn == sorted(r.need_id for r in ranks[:3])
    assert draw(period, "BKP-01", list(reversed(population)), 3) == (seed, drawn)
    # one record changed: another seed
    population[0] = record("RT-001", "fail")
    assert draw(period, "BKP-01", population, 3)[0] != seed


@pytest.mark.parametrize(
    ("days", "frequency"),
    [(0.5, "several a day"), (0.6, "daily"), (1, "daily"), (7, "weekly"), (8, "monthly"),
     (31, "monthly"), (32, "quarterly"), (92, "quarterly"), (93, "annual")],
)  # fmt: skip
def test_a_controls_frequency_follows_its_interval(days, frequency):
    assert frequency_of(days) == frequency


def test_the_oscal_component_definition_is_valid_oscal(build, monkeypatch):
    from trestle.common.err import TrestleError
    from trestle.oscal.component import ComponentDefinition

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796000000")
    app = build(PAGES, **PERIOD)
    written = (app.outdir / "oscal-component-definition.json").read_bytes()
    data = json.loads(written)
    definition = ComponentDefinition.parse_obj(data["component-definition"])
    [component] = definition.components
    implemented = {
        r.control_id: r
        for implementation in component.control_implementations
        for r in implementation.implemented_requirements
    }
    assert set(implemented) == {"A.8.13", "A.8.24", "A1.3"}
    assert "BKP-01 Restore tests pass: Test restores, and see them pass." in (
        implemented["A.8.13"].description
    )
    states = {p.name: p.value for p in implemented["A.8.13"].props}
    assert states["implementation-state"] == "implemented"
    # the same sources at the same moment: the same bytes (UUIDs are made from names)
    again = build(PAGES, **PERIOD)
    assert (again.outdir / "oscal-component-definition.json").read_bytes() == written
    broken = json.loads(json.dumps(data["component-definition"]))
    broken["components"][0]["type"] = ""
    with pytest.raises((TrestleError, ValueError)):
        ComponentDefinition.parse_obj(broken)


def test_the_readmes_mapping_and_statement_build_as_it_says(build):
    snippets = readme_snippets()
    policy = PAGES["policy"].replace(
        PAGES["policy"][PAGES["policy"].index(":::{rule} Restore tests pass") :
                        PAGES["policy"].index("## Exceptions")],
        snippets["satisfies"] + "\n\n",
    )  # fmt: skip
    soa = "# Statement of Applicability\n\n" + snippets["soa"] + "\n"
    app = build({**PAGES, "policy": policy, "soa": soa}, **PERIOD)
    found = warnings_of(app)
    # the three controls it decides are read; every other one is missing
    assert len(found) == 90
    assert all("anchor.soa_missing" in w for w in found)
    assert not any(f"decision for {c} " in w for w in found for c in ("A.8.13", "A.7.4", "A.5.7"))
    soa_rows = by(rows(app, "soa.csv"), "Control")
    assert soa_rows["A.8.13"]["Implementing rules"] == "BKP-01"
    assert soa_rows["A.8.13"]["Status"] == "not yet evidenced"  # not-verifiable: no records
    assert soa_rows["A.7.4"]["Status"] == "excluded"
    assert soa_rows["A.5.7"]["Reasons, justification or what is missing"] == (
        "the sources do not say whether threat intelligence is gathered."
    )
    criteria = by(rows(app, "criteria.csv"), "Criterion")
    assert criteria["A1.2"]["Rules"] == "BKP-01"


def test_official_titles_from_the_local_file_are_shown_escaped(build, tmp_path):
    titles = tmp_path / "src" / "titles.yaml"
    titles.parent.mkdir(parents=True)
    titles.write_text("A.8.13: 'Title <b>held</b> by the organisation'\nA8.24: A typo\n")
    app = build(PAGES, anchor_framework_titles="titles.yaml", **PERIOD)
    assert warnings_of(app) == [
        f"{titles}:2: WARNING: The official titles file names 'A8.24', which is no criterion "
        "or control; did you mean A.8.24?. Fix: write A.8.24 [anchor.framework_titles]"
    ]
    html = (app.outdir / "iso.html").read_text()
    assert "(official title: Title &lt;b&gt;held&lt;/b&gt; by the organisation)" in html
    assert "<b>held" not in html
    assert html.count("official title:") == 1  # the typo's title is shown nowhere


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("A.8.13: [unclosed\n", ":2: WARNING: The official titles file is not YAML"),
        ("- A.8.13\n", ":1: WARNING: The official titles file is not a mapping"),
        (None, None),  # kept out of git: a clone without it shows the project's descriptions
    ],
    ids=["not yaml", "not a mapping", "absent"],
)
def test_official_titles_that_cannot_be_read_show_none(build, tmp_path, text, says):
    titles = tmp_path / "src" / "titles.yaml"
    if text is not None:
        titles.parent.mkdir(parents=True)
        titles.write_text(text)
    app = build(PAGES, anchor_framework_titles="titles.yaml", **PERIOD)
    found = warnings_of(app)
    assert found == [] if says is None else (len(found) == 1 and f"{titles}{says}" in found[0])
    assert "official title:" not in (app.outdir / "iso.html").read_text()


@pytest.mark.parametrize(
    ("sizes", "says"),
    [
        ({"yearly": 1}, "names the frequency 'yearly', which is not one of annual, quarterly"),
        ({"daily": 0}, "gives 'daily' the size 0; write a whole number of records, 1 or more"),
        ({"daily": "25"}, "gives 'daily' the size '25'"),
    ],
    ids=["unknown frequency", "zero", "text"],
)
def test_sample_sizes_name_known_frequencies_and_whole_sizes(build, sizes, says):
    from sphinx.errors import ConfigError

    with pytest.raises(ConfigError, match=says.replace("(", r"\(")):
        build(PAGES, anchor_sample_sizes=sizes, **PERIOD)


def test_configured_sample_sizes_are_used(build):
    app = build(PAGES, anchor_sample_sizes={"quarterly": 1}, **PERIOD)
    drawn = [row for row in rows(app, "samples.csv") if row["Rule"] == "BKP-01"]
    assert [row["Sample size"] for row in drawn] == ["1"]
