"""The one place that says what day and time it is for the build.

``ANCHOR_TODAY`` (an ISO date) wins, then ``SOURCE_DATE_EPOCH`` (seconds since
the epoch, the reproducible-builds convention), then the machine's clock. Tests
and release builds pin the date; a preview uses the real one.
"""

from __future__ import annotations

import os
import re
from calendar import monthrange
from datetime import UTC, date, datetime, time


def now() -> datetime:
    """The moment of the build, in UTC: what exports and archives are stamped with."""
    if pinned := os.environ.get("ANCHOR_TODAY"):
        return datetime.combine(date.fromisoformat(pinned), time(), tzinfo=UTC)
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months: the same day of the target month, or its last day
    when it has fewer days (31 January + 1 month = 28 February); from a month's last
    day, the target month's last day (30 September + 3 months = 31 December), as a
    schedule "every quarter's last day" means."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = monthrange(year, month)[1]
    at_month_end = day.day == monthrange(day.year, day.month)[1]
    return day.replace(year=year, month=month, day=last if at_month_end else min(day.day, last))


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
#: A date as written (YYYY-MM-DD), its parts apart; and a date and time with its offset.
DATE_PARTS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DATETIME_PARTS = re.compile(
    r"^(?P<date>\S{10})T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?$"
)
DATE_FORM = "write it as YYYY-MM-DD, e.g. 2026-04-04"
DATETIME_FORM = (
    "write it as YYYY-MM-DDTHH:MM with the offset from UTC, e.g. 2026-03-02T14:05+01:00 "
    "(or Z for UTC)"
)


def date_mistake(text: str) -> tuple[str, str] | None:
    """What is wrong with ``text`` as a date, as (the mistake, its fix), the mistake
    ending a sentence that quotes the text; ``None`` for a date."""
    parts = DATE_PARTS.match(text)
    if not parts:
        return "which is not written as YYYY-MM-DD", DATE_FORM
    year, month, day = map(int, parts.groups())
    if not 1 <= month <= 12:
        return (
            f"which has month {parts[2]}: months run from 01 to 12",
            "correct the month, the middle part of YYYY-MM-DD",
        )
    days = monthrange(year, month)[1]
    if not 1 <= day <= days:
        leap = f" ({year} is not a leap year)" if (month, day, days) == (2, 29, 28) else ""
        return (
            f"which has day {parts[3]}: {MONTHS[month - 1]} {year} has {days} days{leap}",
            f"correct the day, the last part of YYYY-MM-DD: 01 to {days}",
        )
    return None


def datetime_mistake(text: str) -> tuple[str, str] | None:  # noqa: PLR0911 (one per part)
    """What is wrong with ``text`` as a date and time with its offset from UTC, as
    :func:`date_mistake` says it; ``None`` when it is one."""
    parts = DATETIME_PARTS.match(text)
    if DATE_PARTS.match(text):
        return "which has a date but no time", f"add the time and its offset: {text}T14:05+01:00"
    if not parts and DATETIME_PARTS.match(text.replace(" ", "T")):
        return "which has a space between the date and the time", "write T in place of the space"
    if not parts:
        return "which is not written as YYYY-MM-DDTHH:MM with its offset", DATETIME_FORM
    if mistake := date_mistake(parts["date"]):
        return mistake[0], mistake[1].replace("YYYY-MM-DD", "YYYY-MM-DDTHH:MM")
    for part, last in (("hour", 23), ("minute", 59), ("second", 59)):
        if parts[part] and int(parts[part]) > last:
            return (
                f"which has {part} {parts[part]}: {part}s run from 00 to {last}",
                f"correct the {part}",
            )
    offset = parts["offset"]
    if not offset:
        return (
            "which has no offset from UTC, so the moment is unknown",
            "add the offset at the end, e.g. +01:00 for Central European Time (or Z for UTC)",
        )
    if offset != "Z" and (int(offset[1:3]) > 23 or int(offset[4:]) > 59):
        return f"which has the offset {offset}: no place is that far from UTC", "correct it"
    return None


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 date and time with its offset, else ``None``."""
    return None if datetime_mistake(text) else datetime.fromisoformat(text)
