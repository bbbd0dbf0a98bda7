"""The rules' logic on its own, without a build: periods, business days, month ends,
offsets, and the next free number. Fast, so each boundary is tested on both sides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from anchor_sop.clock import add_months, date_mistake, datetime_mistake, parse_datetime
from anchor_sop.evidence.operation import Records, operate
from anchor_sop.evidence.place import PlaceError, final_id, place, record_of
from anchor_sop.evidence.requirements import (
    RequirementError,
    add_business_days,
    deadline,
    holds,
    later_than,
    parse_requirement,
)
from anchor_sop.lifecycle.reviews import exception_state, next_review, review_state
from anchor_sop.model import id_number, next_free_id
from anchor_sop.model.kinds import CHANGE, CHECKLIST_RUN, DATE, DATETIME, INCIDENT_KIND, KINDS
from anchor_sop.store import DocumentRecord, ExceptionRecord, ItemResult, Record


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        # a quarter from each quarter's last day is the next quarter's last day
        (date(2025, 9, 30), 3, date(2025, 12, 31)),
        (date(2025, 12, 31), 3, date(2026, 3, 31)),
        (date(2026, 3, 31), 3, date(2026, 6, 30)),
        (date(2026, 6, 30), 3, date(2026, 9, 30)),
        # from a day that is not the month's last: the same day, or the target's last
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 29), 1, date(2026, 2, 28)),
        (date(2026, 1, 28), 1, date(2026, 2, 28)),
        (date(2026, 1, 27), 1, date(2026, 2, 27)),
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 9, 29), 3, date(2026, 12, 29)),
        # February's last day, leap year or not
        (date(2026, 2, 28), 1, date(2026, 3, 31)),
        (date(2028, 2, 28), 1, date(2028, 3, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 30), 2, date(2027, 1, 31)),
        (date(2026, 5, 31), -1, date(2026, 4, 30)),
        (date(2026, 4, 1), 12, date(2027, 4, 1)),
    ],
)
def test_calendar_months(start, months, end):
    assert add_months(start, months) == end


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1: Monday
        (date(2026, 3, 6), 5, date(2026, 3, 13)),
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday + 1: Monday
        (date(2026, 3, 8), 1, date(2026, 3, 9)),  # Sunday + 1: Monday
        (date(2026, 3, 9), 1, date(2026, 3, 10)),
        (date(2026, 3, 9), 4, date(2026, 3, 13)),
        (date(2026, 3, 9), 5, date(2026, 3, 16)),
        (date(2026, 3, 9), 0, date(2026, 3, 9)),
    ],
)
def test_business_days(start, n, end):
    assert add_business_days(start, n) == end


PLUS_ONE = timezone(timedelta(hours=1))


def test_a_written_offset_is_the_moment_it_says():
    moment = parse_datetime("2026-03-02T14:05+01:00")
    assert moment == datetime(2026, 3, 2, 13, 5, tzinfo=UTC)
    assert parse_datetime("2026-03-02T13:05Z") == moment
    assert parse_datetime("2026-03-02T14:05:30-02:00") == datetime(
        2026, 3, 2, 16, 5, 30, tzinfo=UTC
    )
    for wrong in ("2026-03-02T14:05", "2026-03-02 14:05+01:00", "2026-13-02T14:05Z", "soon"):
        assert parse_datetime(wrong) is None, wrong


def test_a_deadline_in_hours_counts_across_offsets():
    executed = datetime(2026, 3, 2, 10, 0, tzinfo=PLUS_ONE)  # 09:00 UTC
    limit = deadline(executed, 24, "hours")
    assert limit == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    on_time = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    a_minute_late = datetime(2026, 3, 3, 10, 1, tzinfo=PLUS_ONE)
    assert not later_than(on_time, limit)
    assert later_than(a_minute_late, limit)
    # the same wall-clock time written in UTC is an hour later
    assert later_than(datetime(2026, 3, 3, 10, 0, tzinfo=UTC), limit)


def test_a_deadline_in_days_keeps_the_time_of_day_and_a_date_stays_a_date():
    resolved = datetime(2026, 3, 6, 12, 0, tzinfo=PLUS_ONE)
    assert deadline(resolved, 5, "business days") == datetime(2026, 3, 13, 12, 0, tzinfo=PLUS_ONE)
    assert deadline(resolved, 2, "days") == datetime(2026, 3, 8, 12, 0, tzinfo=PLUS_ONE)
    assert deadline(resolved, 1, "weeks") == datetime(2026, 3, 13, 12, 0, tzinfo=PLUS_ONE)
    assert deadline(resolved, 30, "minutes") == datetime(2026, 3, 6, 12, 30, tzinfo=PLUS_ONE)
    assert deadline(date(2025, 9, 30), 3, "months") == date(2025, 12, 31)


def test_a_date_against_a_date_and_time_compares_days_at_its_own_offset():
    late_evening = datetime(2026, 3, 13, 23, 30, tzinfo=PLUS_ONE)  # 22:30 UTC, the 13th
    assert not later_than(late_evening, date(2026, 3, 13))
    assert later_than(late_evening, date(2026, 3, 12))
    assert not later_than(date(2026, 3, 13), late_evening)
    assert later_than(date(2026, 3, 14), late_evening)


def test_one_number_whatever_its_zeros():
    assert id_number("INC-002") == id_number("INC-0002") == ("INC", 2)
    assert id_number("INC-002") != id_number("INC-003")
    assert id_number("RUN-12") != id_number("RUNS-12")
    assert id_number("INC-2") is None


@pytest.mark.parametrize(
    ("taken", "width", "free"),
    [
        (["BKP-01", "BKP-03"], 2, "BKP-04"),  # a gap is never filled
        (["BKP-03", "BKP-01"], 2, "BKP-04"),
        (["BKP-01", "BKP-02"], 2, "BKP-03"),
        ([], 2, "BKP-01"),
        ([], 3, "BKP-001"),
        (["BKP-0009"], 2, "BKP-0010"),  # as wide as the widest
        (["BKP-99"], 2, "BKP-100"),
        (["BKP-01", "OTH-07", "BKP"], 2, "BKP-02"),  # other prefixes and no IDs
        (["BKP-01", "BKP-001"], 3, "BKP-002"),
    ],
)
def test_the_next_free_number(taken, width, free):
    assert next_free_id("BKP", taken, width) == free


def test_a_number_has_the_id_schemes_two_digits_at_least():
    assert next_free_id("BKP", []) == "BKP-01"
    assert next_free_id("BKP", ["BKP-009"]) == "BKP-010"


@pytest.mark.parametrize(
    ("kind", "written", "taken", "final"),
    [
        (CHECKLIST_RUN, "RUN-001", ["RUN-000"], "RUN-001"),  # free: kept
        (CHECKLIST_RUN, "RUN-005", ["RUN-000", "RUN-001"], "RUN-005"),
        (CHECKLIST_RUN, "RUN-001", ["RUN-000", "RUN-001"], "RUN-002"),  # taken
        (CHECKLIST_RUN, "RUN-001", ["RUN-0001"], "RUN-0002"),  # taken with other zeros
        (CHECKLIST_RUN, "INC-001", [], "RUN-001"),  # another kind's prefix
        (CHECKLIST_RUN, "RUN-1", [], "RUN-001"),  # off the scheme
        (INCIDENT_KIND, "INC-002", ["INC-001"], "INC-002"),  # the next in the sequence
        (INCIDENT_KIND, "INC-0002", ["INC-001"], "INC-0002"),  # kept as written
        (INCIDENT_KIND, "INC-005", ["INC-001"], "INC-002"),  # never a gap
        (INCIDENT_KIND, "INC-001", ["INC-001"], "INC-002"),
    ],
)
def test_the_number_a_placed_record_gets(kind, written, taken, final):
    assert final_id(kind, written, taken) == final


RECORD = """# Handoff

:::{checklist-run} RUN-001
:checklist: HAC
:::
"""


def test_placing_never_writes_over_a_file(tmp_path: Path):
    folder = tmp_path / "source/records/checklist-runs"
    folder.mkdir(parents=True)
    (folder / "RUN-001.md").write_text("someone else's record")
    (folder / "RUN-002.md").write_text("a page named by a number is that number")
    placed = place(tmp_path, RECORD)
    assert placed.record_id == "RUN-003"
    assert (folder / "RUN-001.md").read_text() == "someone else's record"
    assert (folder / "RUN-003.md").read_text() == RECORD.replace("RUN-001", "RUN-003")
    again = place(tmp_path, RECORD)
    assert again.record_id == "RUN-004"


def test_placing_a_misnamed_page_moves_it_and_a_download_is_left_alone(tmp_path: Path):
    folder = tmp_path / "source/records/checklist-runs"
    folder.mkdir(parents=True)
    misnamed = folder / "RUN-001 (1).md"
    misnamed.write_text(RECORD)
    placed = place(tmp_path, RECORD, misnamed)
    assert placed.record_id == "RUN-001" and placed.moved_from == misnamed
    assert not misnamed.exists()
    download = tmp_path / "RUN-001.md"
    download.write_text(RECORD)
    second = place(tmp_path, RECORD, download)
    assert second.record_id == "RUN-002" and second.moved_from is None
    assert download.read_text() == RECORD


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("# Nothing\n\nJust prose.\n", "holds no record"),
        (RECORD + RECORD.replace("# Handoff", ""), "holds 2 records"),
        (":::{note} RUN-001\n:::\n", "holds no record"),
    ],
)
def test_a_file_that_is_not_one_record_is_not_placed(text, says):
    with pytest.raises(PlaceError, match=says):
        record_of(text)


def test_a_field_of_several_values_holds_each_of_them():
    values = {"changes": "secrets, DNS", "type": "emergency"}
    assert holds(CHANGE, values, "changes", ("DNS",))
    assert holds(CHANGE, values, "changes", ("secrets", "backups"))
    assert not holds(CHANGE, values, "changes", ("DN",))
    assert not holds(CHANGE, values, "changes", ("backups",))
    assert holds(CHANGE, values, "type", ("emergency",))
    assert not holds(CHANGE, {"type": "emergency, normal"}, "type", ("emergency",))
    assert not holds(CHANGE, {}, "changes", ("DNS",))


def test_evidence_narrowed_by_two_fields():
    requirement = parse_requirement(
        "change where type is emergency and changes is DNS, secrets", "documented is set"
    )
    assert requirement.where == (("type", ("emergency",)), ("changes", ("DNS", "secrets")))
    assert requirement.describe() == (
        "change records where type is emergency and changes is DNS, secrets: documented is set"
    )
    for wrong, says in [
        ("change where type is emergency and type is normal", "names the field 'type' twice"),
        ("change where type is emergency and DNS", "which is not 'FIELD is VALUE"),
        ("change where type is urgent", "'urgent' is not a value of a change's type"),
    ]:
        with pytest.raises(RequirementError, match=says):
            parse_requirement(wrong, "")


def _exception(start: date, expires: date, example: bool = False) -> ExceptionRecord:
    return ExceptionRecord(
        need_id="EXC-01",
        title="Direct access",
        exempts=["BKP-01"],
        system="SYS-01",
        approved_by="Anchor MSP Operations Lead",
        start=start,
        expires=expires,
        example=example,
        docname="exceptions",
        lineno=1,
    )


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 3, 31), "not yet started"),
        (date(2026, 4, 1), "active"),  # its first day
        (date(2026, 4, 30), "active"),  # its expiry day is still covered
        (date(2026, 5, 1), "expired"),
    ],
)
def test_an_exception_is_active_from_its_start_through_its_expiry_day(today, state):
    exception = _exception(date(2026, 4, 1), date(2026, 4, 30))
    assert exception_state(exception, today) == state
    assert exception_state(_exception(date(2026, 4, 1), date(2026, 4, 30), True), today) == (
        "example"
    )


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (date(2026, 4, 19), "overdue"),
        (date(2026, 4, 20), "due soon"),  # due today is not yet overdue
        (date(2026, 5, 20), "due soon"),  # 30 days ahead
        (date(2026, 5, 21), "current"),
    ],
)
def test_a_review_is_due_soon_thirty_days_ahead_and_overdue_after_its_day(due, state):
    assert review_state(due, date(2026, 4, 20)) == state


# --- a rule operating on its records ------------------------------------------------


def record(kind: str, need_id: str, example: bool = False, **values: str) -> Record:
    """A record as its page is read: its dates and times read as well as written."""
    written = {name.replace("_", "-"): value for name, value in values.items()}
    read = {DATE: date.fromisoformat, DATETIME: parse_datetime}
    types = {name: KINDS[kind].fields_by_name[name].type for name in written}
    return Record(
        kind=kind,
        need_id=need_id,
        title=need_id,
        values=written,
        lines={},
        moments={
            name: read[types[name]](value)
            for name, value in written.items()
            if types[name] in read and value != "unknown"
        },
        example=example,
        docname="records",
        lineno=1,
    )


def system(need_id: str = "SYS-01", accepted_on: str = "2026-01-05", status: str = "managed"):
    return record("managed-system", need_id, team="EGI", status=status, accepted_on=accepted_on)


def findings_of(requires: str, evidence: str, *records: Record, today: str) -> list[str]:
    """Each finding as "day text"; each is of the rule R-01 (checked here)."""
    return [
        f"{f.day.isoformat()} {f.text}" for f in found(requires, evidence, *records, today=today)
    ]


def found(requires: str, evidence: str, *records: Record, today: str):
    requirement = parse_requirement(evidence, requires)
    _population, findings = operate(
        Records(records), "R-01", requirement, date.fromisoformat(today)
    )
    assert {f.rule_id for f in findings} <= {"R-01"}
    return findings


def restore(need_id: str, tested_on: str, result: str = "pass", system_id: str = "SYS-01"):
    return record(
        "restore-test",
        need_id,
        system=system_id,
        tested_on=tested_on,
        backup="nightly",
        result=result,
        integrity_verified="yes",
        tested_by="Dana",
    )


QUARTERLY = "result is pass; every 3 months per system"
NO_PASS = "no restore test meeting 'result is pass'"


@pytest.mark.parametrize(
    ("tests", "today", "found"),
    [
        # accepted 2026-01-05: the first test is due by 2026-04-05, on that day too
        ([], "2026-04-05", []),
        (
            [],
            "2026-04-06",
            [f"2026-04-05 {NO_PASS} recorded for SYS-01 (SYS-01): due by 2026-04-05, 1 day late"],
        ),
        ([("RT-001", "2026-04-05")], "2026-07-05", []),
        (
            [("RT-001", "2026-04-05")],
            "2026-07-06",
            ["2026-07-05 no restore test meeting 'result is pass' between 2026-04-05 and "
             "2026-07-06 for SYS-01 (SYS-01): due by 2026-07-05, 1 day late"],
        ),
        # a failed test does not count
        (
            [("RT-001", "2026-03-01"), ("RT-002", "2026-04-05", "fail")],
            "2026-06-02",
            ["2026-06-01 no restore test meeting 'result is pass' between 2026-03-01 and "
             "2026-06-02 for SYS-01 (SYS-01): due by 2026-06-01, 1 day late"],
        ),
    ],
)  # fmt: skip
def test_every_three_months_per_system_from_its_acceptance(tests, today, found):
    records = [system(), *(restore(t[0], t[1], *t[2:]) for t in tests)]
    assert findings_of(QUARTERLY, "restore-test", *records, today=today) == found


def test_only_a_managed_system_is_due_and_each_on_its_own():
    records = [
        system("SYS-01"),
        system("SYS-02", accepted_on="2026-03-01"),
        system("SYS-03", status="onboarding"),
        restore("RT-001", "2026-03-30", system_id="SYS-02"),
    ]
    found = findings_of(QUARTERLY, "restore-test", *records, today="2026-04-30")
    assert found == [
        "2026-04-05 no restore test meeting 'result is pass' recorded for SYS-01 (SYS-01): "
        "due by 2026-04-05, 25 days late"
    ]


def test_every_n_without_a_system_counts_from_the_first_record():
    reviews = [
        record("security-review", "SRV-001", reviewed_on="2026-01-05", by="Dana", findings="x"),
        record("security-review", "SRV-002", reviewed_on="2026-01-12", by="Dana", findings="x"),
    ]
    assert findings_of("every 1 weeks", "security-review", *reviews, today="2026-01-19") == []
    assert findings_of("every 1 weeks", "security-review", *reviews, today="2026-01-20") == [
        "2026-01-19 no security review between 2026-01-12 and 2026-01-20: due by 2026-01-19, "
        "1 day late"
    ]
    assert findings_of("every 1 weeks", "security-review", today="2026-01-20") == [
        "2026-01-20 no security review recorded"
    ]


def change(need_id: str, **values: str) -> Record:
    written = {
        "type": "emergency",
        "system": "SYS-01",
        "changes": "DNS",
        "by": "Dana",
        "executed": "2026-03-02T10:00+01:00",
        "why": "outage",
        "rollback_plan": "revert",
        "outcome": "succeeded",
    }
    return record("change", need_id, **{**written, **values})


WITHIN_24 = "documented within 24 hours of executed"


@pytest.mark.parametrize(
    ("documented", "found"),
    [
        ("2026-03-03T10:00+01:00", []),  # exactly 24 hours
        ("2026-03-03T09:00Z", []),  # the same moment, in UTC
        ("2026-03-03T10:01+01:00", ["CR-001 documented 2026-03-03T10:01:00+01:00 is later "
                                    "than 24 hours after executed"]),
        ("2026-03-03T10:00+00:00", ["CR-001 documented 2026-03-03T10:00:00+00:00 is later "
                                    "than 24 hours after executed"]),
    ],
)  # fmt: skip
def test_within_hours_compares_moments_at_their_offsets(documented, found):
    cr = change("CR-001", documented=documented)
    texts = [f.partition(" ")[2] for f in findings_of(WITHIN_24, "change", cr, today="2026-03-10")]
    assert texts == found


def test_within_a_deadline_not_yet_passed_is_not_a_finding(monkeypatch):
    cr = change("CR-001")  # not documented yet
    monkeypatch.setenv("ANCHOR_TODAY", "2026-03-03")  # midnight UTC: before 10:00+01:00
    assert findings_of(WITHIN_24, "change", cr, today="2026-03-03") == []
    monkeypatch.setenv("ANCHOR_TODAY", "2026-03-04")
    assert findings_of(WITHIN_24, "change", cr, today="2026-03-04") == [
        "2026-03-02 CR-001 no documented within 24 hours of executed"
    ]


def test_business_days_skip_the_weekend():
    incident = record(
        "incident",
        "INC-001",
        detected="2026-03-05T09:00+01:00",
        severity="High",
        system="SYS-01",
        commander="Dana",
        status="Resolved",
        resolved="2026-03-06T12:00+01:00",  # a Friday
        postmortem="PM-001",
    )

    def held(on: str) -> list[str]:
        pm = record("postmortem", "PM-001", incident="INC-001", held_on=on)
        return findings_of(
            "postmortem within 5 business days of resolved", "incident", incident, pm,
            today="2026-04-01",
        )  # fmt: skip

    assert held("2026-03-13") == []  # Friday + 5 business days
    assert held("2026-03-16") == [
        "2026-03-05 INC-001 postmortem 2026-03-16 is later than 5 business days after resolved"
    ]


@pytest.mark.parametrize(
    ("values", "requires", "found"),
    [
        ({"reviewed_by": "dana"}, "reviewed-by differs from by",
         ["reviewed-by and by are both dana"]),
        ({"reviewed_by": "Eve"}, "reviewed-by differs from by", []),
        ({}, "reviewed-by differs from by", ["has no reviewed-by"]),
        ({"approved": "2026-03-02T10:00+01:00"}, "approved before executed",
         ["approved is not before executed"]),
        ({"approved": "2026-03-02T09:59+01:00"}, "approved before executed", []),
        ({}, "approved before executed", ["has no approved"]),
        ({}, "scheduled is set", ["has no scheduled"]),
        ({"scheduled": "2026-03-02T09:00+01:00"}, "scheduled is set", []),
        ({"outcome": "failed"}, "outcome is succeeded", ["outcome is failed"]),
        ({}, "outcome is succeeded", []),
    ],
)  # fmt: skip
def test_per_record_conditions_at_their_boundaries(values, requires, found):
    cr = change("CR-001", **values)
    texts = [f.split(" ", 2)[2] for f in findings_of(requires, "change", cr, today="2026-03-10")]
    assert texts == found


def run(need_id: str, run_at: str, *results: str) -> Record:
    answers = tuple(ItemResult(f"HOC-0{i}", r, "", "", 1) for i, r in enumerate(results, 1))
    made = record(
        "checklist-run", need_id, checklist="HOC", system="SYS-01", run_by="Dana", run_at=run_at
    )
    return Record(**{**made.__dict__, "results": answers})


ONE_BEFORE = "all items done; one per system before accepted-on"
NO_RUN_BEFORE = (
    "2026-01-05 SYS-01 (SYS-01) has no checklist run meeting 'all items done' before its "
    "'Accepted on' date, 2026-01-05"
)


@pytest.mark.parametrize(
    ("runs", "found"),
    [
        ([("RUN-001", "2026-01-05T10:00+01:00", "done", "done")], []),  # on the day accepted
        ([("RUN-001", "2026-01-06T10:00+01:00", "done", "done")],
         [NO_RUN_BEFORE]),
        ([("RUN-001", "2026-01-04T10:00+01:00", "done", "failed")],
         [NO_RUN_BEFORE]),
    ],
)  # fmt: skip
def test_one_run_per_system_before_its_acceptance(runs, found):
    records = [system(), *(run(*r) for r in runs)]
    assert findings_of(ONE_BEFORE, "checklist-run", *records, today="2026-03-01") == found


def test_an_example_is_never_evidence():
    records = [system(), restore("RT-000", "2026-03-01"), restore("RT-001", "2026-03-01")]
    records[1] = Record(**{**records[1].__dict__, "example": True})
    requirement = parse_requirement("restore-test", QUARTERLY)
    population, _findings = operate(Records(records), "R-01", requirement, date(2026, 3, 2))
    assert [r.need_id for r in population] == ["RT-001"]


def test_a_finding_names_its_record_and_system():
    late = change("CR-001", documented="2026-03-04T10:00+01:00")
    review = record("security-review", "SRV-001", reviewed_on="2026-01-05", by="Dana")
    (of_change,) = found(WITHIN_24, "change", late, today="2026-03-10")
    assert (of_change.rule_id, of_change.record_id, of_change.system_id) == (
        "R-01",
        "CR-001",
        "SYS-01",
    )
    (of_review,) = found("findings is set", "security-review", review, today="2026-03-10")
    assert (of_review.record_id, of_review.system_id, of_review.text) == (
        "SRV-001",
        "",
        "SRV-001 has no findings",
    )
    (recurring,) = found(QUARTERLY, "restore-test", system(), today="2026-05-01")
    assert (recurring.rule_id, recurring.record_id, recurring.system_id) == ("R-01", "", "SYS-01")
    (none_at_all,) = found("every 1 weeks", "security-review", today="2026-01-20")
    assert (none_at_all.record_id, none_at_all.system_id) == ("", "")
    (no_run,) = found(ONE_BEFORE, "checklist-run", system(), today="2026-05-01")
    assert (no_run.record_id, no_run.system_id) == ("", "SYS-01")
    gap = [system(), restore("RT-001", "2026-02-01")]
    (between,) = found(QUARTERLY, "restore-test", *gap, today="2026-05-02")
    assert (between.record_id, between.system_id, between.day) == ("", "SYS-01", date(2026, 5, 1))


def test_a_missing_record_names_the_checklist_it_is_a_run_of():
    evidence = "checklist-run where checklist is HAC"
    other = run("RUN-001", "2026-01-04T10:00+01:00", "done", "done")  # a run of HOC
    assert findings_of(ONE_BEFORE, evidence, system(), other, today="2026-05-01") == [
        "2026-01-05 SYS-01 (SYS-01) has no checklist run with Checklist HAC meeting 'all items "
        "done' before its 'Accepted on' date, 2026-01-05"
    ]


def test_each_managed_system_gets_its_own_finding():
    two = [system("SYS-01"), system("SYS-02")]
    assert findings_of(QUARTERLY, "restore-test", *two, today="2026-05-01") == [
        f"2026-04-05 no restore test meeting 'result is pass' recorded for {s} ({s}): due by "
        "2026-04-05, 26 days late"
        for s in ("SYS-01", "SYS-02")
    ]
    assert findings_of(ONE_BEFORE, "checklist-run", *two, today="2026-05-01") == [
        f"2026-01-05 {s} ({s}) has no checklist run meeting 'all items done' before its "
        "'Accepted on' date, 2026-01-05"
        for s in ("SYS-01", "SYS-02")
    ]
    gaps = [
        *two,
        restore("RT-001", "2026-04-01"),
        restore("RT-002", "2026-04-01", system_id="SYS-02"),
    ]
    assert len(findings_of(QUARTERLY, "restore-test", *gaps, today="2026-07-02")) == 2


def test_a_system_accepted_on_an_unknown_day_is_reported_today():
    unknown = system(accepted_on="unknown")
    assert findings_of(ONE_BEFORE, "checklist-run", unknown, today="2026-05-01") == [
        "2026-05-01 SYS-01 (SYS-01) has no checklist run meeting 'all items done'"
    ]


def test_the_first_record_is_due_from_the_systems_acceptance():
    late_first = [system(), restore("RT-001", "2026-05-01")]
    assert findings_of(QUARTERLY, "restore-test", *late_first, today="2026-05-02") == [
        "2026-04-05 no restore test meeting 'result is pass' between 2026-01-05 and "
        "2026-05-01 for SYS-01 (SYS-01): due by 2026-04-05, 26 days late"
    ]


def test_the_conditions_a_recurring_record_meets_are_named_and_all_apply():
    requires = "result is pass; integrity-verified is yes; every 3 months per system"
    unverified = Record(
        **{**restore("RT-001", "2026-03-01").__dict__, "values": {
            **restore("RT-001", "2026-03-01").values, "integrity-verified": "no"}}
    )  # fmt: skip
    assert findings_of(requires, "restore-test", system(), unverified, today="2026-04-06") == [
        "2026-04-05 no restore test meeting 'result is pass; integrity-verified is yes' "
        "recorded for SYS-01 (SYS-01): due by 2026-04-05, 1 day late"
    ]
    # a moment-based condition decides whether a record counts, too
    late = change("CR-001", type="normal", documented="2026-03-05T10:00+01:00")
    weekly = f"{WITHIN_24}; every 1 weeks"
    assert findings_of(weekly, "change", late, today="2026-03-03") == [
        f"2026-03-03 no change meeting '{WITHIN_24}' recorded"
    ]


def test_a_date_deadline_is_judged_on_the_day_given(monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", "2026-01-10")  # the machine's day is not the one asked
    decision = record("decision", "DEC-001", decided_on="2026-01-05")
    requires = "revisit-on within 6 months of decided-on"
    assert findings_of(requires, "decision", decision, today="2026-07-05") == []
    assert findings_of(requires, "decision", decision, today="2026-07-06") == [
        "2026-01-05 DEC-001 no revisit-on within 6 months of decided-on"
    ]


def test_a_record_counts_when_its_date_deadline_is_met_on_the_day_given():
    decisions = [record("decision", "DEC-001", decided_on="2026-01-05")]  # no revisit-on
    requires = "revisit-on within 6 months of decided-on; every 12 months"
    assert findings_of(requires, "decision", *decisions, today="2026-07-05") == []
    assert findings_of(requires, "decision", *decisions, today="2026-07-06") == [
        "2026-07-06 no decision meeting 'revisit-on within 6 months of decided-on' recorded"
    ]


def test_a_deadline_in_hours_is_judged_at_the_moment_of_the_build(monkeypatch):
    # due at 00:30 on 3 March in Berlin (23:30 UTC on the 2nd): the build at midnight UTC
    # on the 3rd is after it, though it is the deadline's own day
    cr = change("CR-001", executed="2026-03-02T00:30+01:00")
    monkeypatch.setenv("ANCHOR_TODAY", "2026-03-03")
    assert findings_of(WITHIN_24, "change", cr, today="2026-03-03") == [
        "2026-03-02 CR-001 no documented within 24 hours of executed"
    ]


@pytest.mark.parametrize(
    ("values", "requires", "finding"),
    [
        ({"reviewed_by": "Eve", "by": ""}, "reviewed-by differs from by",
         "2026-03-02 CR-001 has no by"),
        # undated: its finding is on the day of the build
        ({"approved": "2026-03-02T09:00+01:00", "executed": ""}, "approved before executed",
         "2026-03-10 CR-001 has no executed"),
        ({"outcome": ""}, "outcome is succeeded", "2026-03-02 CR-001 outcome is not recorded"),
    ],
)  # fmt: skip
def test_a_condition_names_the_field_that_is_missing(values, requires, finding):
    cr = change("CR-001", **values)
    assert findings_of(requires, "change", cr, today="2026-03-10") == [finding]


def test_a_run_with_failed_items_names_each():
    failed = run("RUN-001", "2026-01-04T10:00+01:00", "failed", "done", "failed")
    assert findings_of("all items done", "checklist-run", failed, today="2026-03-01") == [
        "2026-01-04 RUN-001 failed: HOC-01, HOC-03"
    ]


def test_a_link_to_a_missing_record_has_no_date(monkeypatch):
    incident = record(
        "incident", "INC-001", detected="2026-03-05T09:00+01:00", severity="High",
        system="SYS-01", commander="Dana", status="Resolved",
        resolved="2026-03-06T12:00+01:00", postmortem="PM-404",
    )  # fmt: skip
    requires = "postmortem within 5 business days of resolved"
    monkeypatch.setenv("ANCHOR_TODAY", "2026-03-10")
    assert findings_of(requires, "incident", incident, today="2026-03-10") == []
    monkeypatch.setenv("ANCHOR_TODAY", "2026-03-14")
    assert findings_of(requires, "incident", incident, today="2026-03-14") == [
        "2026-03-05 INC-001 no postmortem within 5 business days of resolved"
    ]


def test_the_population_is_in_day_order_undated_first_and_narrowed_by_where():
    records = [
        change("CR-003", executed="2026-03-04T10:00+01:00"),
        change("CR-001", executed="2026-03-02T10:00+01:00", changes="DNS, secrets"),
        change("CR-002", executed=""),
        change("CR-004", changes="secrets"),
        change("CR-005", type="normal"),
    ]
    requirement = parse_requirement("change where type is emergency and changes is DNS", "")
    population, _ = operate(Records(records), "R-01", requirement, date(2026, 3, 10))
    assert [r.need_id for r in population] == ["CR-002", "CR-001", "CR-003"]


def document(last_reviewed: str, review_months: int | None) -> DocumentRecord:
    return DocumentRecord(
        kind="policy",
        title="Backup Policy",
        prefix="BKP",
        owner="Anchor MSP Operations Lead",
        last_reviewed=date.fromisoformat(last_reviewed),
        status="approved",
        review_months=review_months,
        docname="backup",
        lineno=1,
        review_lineno=4,
    )


def test_a_review_is_due_after_its_own_interval_or_the_projects():
    assert next_review(document("2026-01-31", None), 12) == date(2027, 1, 31)
    assert next_review(document("2026-01-31", 1), 12) == date(2026, 2, 28)
    assert next_review(document("2025-11-30", 3), 12) == date(2026, 2, 28)  # a month's end


@pytest.mark.parametrize(
    ("text", "mistake"),
    [
        ("2026-12-31", None),
        ("2026-01-01", None),
        ("2024-02-29", None),  # a leap year
        ("2026-04-30", None),
        ("2026-13-01", "which has month 13: months run from 01 to 12"),
        ("2026-00-01", "which has month 00: months run from 01 to 12"),
        ("2026-04-31", "which has day 31: April 2026 has 30 days"),
        ("2026-01-32", "which has day 32: January 2026 has 31 days"),
        ("2026-05-00", "which has day 00: May 2026 has 31 days"),
        ("2026-02-29", "which has day 29: February 2026 has 28 days (2026 is not a leap year)"),
        ("2100-02-29", "which has day 29: February 2100 has 28 days (2100 is not a leap year)"),
        ("2026-02-30", "which has day 30: February 2026 has 28 days"),
        ("2026-4-4", "which is not written as YYYY-MM-DD"),
        ("04/04/2026", "which is not written as YYYY-MM-DD"),
        ("2026-04-04 ", "which is not written as YYYY-MM-DD"),
    ],
)
def test_a_date_mistake_names_the_wrong_part(text, mistake):
    found = date_mistake(text)
    assert (found and found[0]) == mistake


def test_a_date_mistake_gives_the_range_of_the_part_to_correct():
    assert date_mistake("2026-13-01")[1] == "correct the month, the middle part of YYYY-MM-DD"
    assert date_mistake("2026-04-31")[1] == "correct the day, the last part of YYYY-MM-DD: 01 to 30"
    assert date_mistake("2026/04/04")[1] == "write it as YYYY-MM-DD, e.g. 2026-04-04"


@pytest.mark.parametrize(
    ("text", "mistake"),
    [
        ("2026-03-02T14:05+01:00", None),
        ("2026-03-02T23:59:59Z", None),
        ("2026-03-02T00:00-23:59", None),
        ("2026-03-02T24:00Z", "which has hour 24: hours run from 00 to 23"),
        ("2026-03-02T14:60Z", "which has minute 60: minutes run from 00 to 59"),
        ("2026-03-02T14:05:60Z", "which has second 60: seconds run from 00 to 59"),
        ("2026-03-02T14:05+24:00", "which has the offset +24:00: no place is that far from UTC"),
        ("2026-03-02T14:05+01:60", "which has the offset +01:60: no place is that far from UTC"),
        ("2026-03-02T14:05", "which has no offset from UTC, so the moment is unknown"),
        ("2026-03-02", "which has a date but no time"),
        ("2026-03-02 14:05+01:00", "which has a space between the date and the time"),
        ("2026-13-02T14:05Z", "which has month 13: months run from 01 to 12"),
        ("2026-04-31T14:05Z", "which has day 31: April 2026 has 30 days"),
        ("2026-03-02T14h05Z", "which is not written as YYYY-MM-DDTHH:MM with its offset"),
    ],
)
def test_a_datetime_mistake_names_the_wrong_part(text, mistake):
    found = datetime_mistake(text)
    assert (found and found[0]) == mistake
    assert (parse_datetime(text) is None) == (mistake is not None)


def test_a_datetime_mistake_says_how_to_mend_it():
    assert (
        datetime_mistake("2026-03-02")[1] == "add the time and its offset: 2026-03-02T14:05+01:00"
    )
    assert datetime_mistake("2026-13-02T14:05Z")[1] == (
        "correct the month, the middle part of YYYY-MM-DDTHH:MM"
    )
    assert datetime_mistake("2026-03-02T14:05")[1] == (
        "add the offset at the end, e.g. +01:00 for Central European Time (or Z for UTC)"
    )
    assert datetime_mistake("2026-03-02T25:05Z")[1] == "correct the hour"
    assert datetime_mistake("2026-03-02 14:05Z")[1] == "write T in place of the space"
    assert datetime_mistake("2026-03-02T14:05+25:00")[1] == "correct it"
