"""Who changed what, and when: one line per change made from the admin console.

The log sits beside the index under PROTOCOL_BOT_HOME (`var/admin-audit.log`) and is only ever
appended to. Each line is `ISO time<TAB>who<TAB>what`; names and descriptions are flattened to one
line first, so nothing typed into a form can forge a line of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.question import one_line

FILE_NAME = "admin-audit.log"


@dataclass(frozen=True)
class AuditEntry:
    at: str
    who: str
    what: str


class AuditLog:
    def __init__(self, path: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, who: str, what: str) -> None:
        line = "\t".join((self._clock().isoformat(timespec="seconds"), one_line(who), one_line(what))) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as log:
                log.write(line)

    def recent(self, limit: int = 10) -> list[AuditEntry]:
        """The newest `limit` changes, newest first."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries = [AuditEntry(*parts) for line in lines if len(parts := line.split("\t", 2)) == 3]
        return entries[::-1][:limit]
