"""What the application service hands its front ends that is made beneath it, named in one place, so a front end
imports the service and never reaches into the retrieval core or the stores (tests/test_layers.py keeps it so).

The service's own results (AnswerReply, Quality, VersionView …) stay in the module whose use case makes them.
"""

from __future__ import annotations

from bot.core.changes import ADDED, REMOVED, ChangeReport
from bot.core.corrections import Correction, opening
from bot.core.indexing import Preview
from bot.core.titles import Titles
from bot.stores.audit import AuditEntry
from bot.stores.console import ConsoleState, LastChange, MemoryConsoleState, Publishing
from bot.stores.feedback import CitedRef, FeedbackEntry, WeekTally

__all__ = [
    "ADDED",  # a word a reworded clause gained, in a ChangeReport's word diff
    "REMOVED",  # a word it lost
    "AuditEntry",
    "ChangeReport",
    "CitedRef",
    "ConsoleState",
    "Correction",
    "FeedbackEntry",
    "LastChange",  # the last publish or roll back, as the reindex page reports it
    "MemoryConsoleState",  # one console's state in its own memory, for a console no other shares
    "Preview",
    "Publishing",  # a publish under way
    "Titles",
    "WeekTally",
    "opening",  # the words a correction keeps of a clause to find it again, which the teach form sends back
]
