"""The one place that says what day it is for the build.

``ANCHOR_TODAY`` (an ISO date) wins, then ``SOURCE_DATE_EPOCH`` (seconds since
the epoch, the reproducible-builds convention), then the machine's clock. Tests
and release builds pin the date; a preview uses the real one.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime


def today() -> date:
    if pinned := os.environ.get("ANCHOR_TODAY"):
        return date.fromisoformat(pinned)
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()
