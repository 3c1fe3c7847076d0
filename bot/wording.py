"""Things shown to people in their own words rather than as stored: times and durations."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import messages


def when(stamp: str) -> str:
    """A stored ISO time as a clerk reads it ("2 December 2026, 14:02 UTC"); anything else as it is."""
    try:
        moment = datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return stamp
    return messages.ADMIN_TIME.format(day=moment.day, month=f"{moment:%B}", year=moment.year, time=f"{moment:%H:%M}")


def seconds(count: int) -> str:
    """"1 second", "2 seconds"."""
    return (messages.ONE_SECOND if count == 1 else messages.SECONDS).format(count=count)
