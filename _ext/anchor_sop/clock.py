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
    """``day`` plus calendar months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))
