"""Which documents are in force: superseded documents stay out of answers, overdue ones say so.

The catalogue records review dates as the documents word them ("October 2025", "July 2028 or sooner
if required"), so only a leading date is read; anything else is left without a note rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date, timedelta

from bot import messages
from bot.answer import Scope
from bot.core.manifest import DocumentRecord
from knowledge.catalogue import Entry

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_LEADING_DATE = re.compile(
    r"^\s*(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+)?(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{4})\b", re.IGNORECASE
)

Documents = Mapping[str, DocumentRecord]  # by file name


def review_due(review: str) -> tuple[str, date] | None:
    """The review date as written and the first day past it, or None when it does not start with a date.

    A month alone is due for the whole month, so a document is overdue only once that month has ended.
    """
    match = _LEADING_DATE.match(review)
    if match is None:
        return None
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        return None
    year = int(match["year"])
    try:
        if match["day"]:
            ends = date(year, month, int(match["day"])) + timedelta(days=1)
        else:
            ends = date(year + month // 12, month % 12 + 1, 1)
    except ValueError:
        return None
    return match.group(0).strip(), ends


def notes(entry: Entry, today: date) -> str | None:
    """What a reader should know about a cited document's standing: overdue for review, or superseded."""
    found = []
    if entry.superseded_by:
        found.append(messages.NOTE_SUPERSEDED.format(successor=entry.superseded_by))
    due = review_due(entry.review)
    if due is not None and today >= due[1]:
        found.append(messages.NOTE_REVIEW_OVERDUE.format(review=due[0]))
    return "; ".join(found) or None


def allowed_sources(documents: Documents, scope: Scope | None) -> frozenset[str]:
    """The documents a question may be answered from: those in scope, less superseded ones unless asked for."""
    scope = scope or Scope()
    return frozenset(
        source for source, entry in documents.items()
        if scope.allows(source) and (scope.include_superseded or not entry.catalogue.superseded_by)
    )
