"""The one place that says what day and time it is for the build.

``ANCHOR_TODAY`` (an ISO date) wins, then ``SOURCE_DATE_EPOCH`` (seconds since
the epoch, the reproducible-builds convention), then the machine's clock. Tests
and release builds pin the date; a preview uses the real one.
"""

from __future__ import annotations

import os
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
