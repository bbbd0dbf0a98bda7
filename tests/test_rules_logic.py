"""The rules' logic on its own, without a build: periods, business days, month ends,
offsets, and the next free number. Fast, so each boundary is tested on both sides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from anchor_sop.clock import add_months
from anchor_sop.evidence.kinds import CHANGE, CHECKLIST_RUN, INCIDENT_KIND
from anchor_sop.evidence.place import PlaceError, final_id, place, record_of
from anchor_sop.evidence.records import parse_datetime
from anchor_sop.evidence.requirements import (
    RequirementError,
    add_business_days,
    deadline,
    holds,
    later_than,
    parse_requirement,
)
from anchor_sop.lifecycle.reviews import exception_state, review_state
from anchor_sop.model import id_number, next_free_id
from anchor_sop.store import ExceptionRecord


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
