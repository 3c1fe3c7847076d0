"""The admin console's audit log (bot/stores/audit.py) as a file: `var/admin-audit.log` beside the
index under PROTOCOL_BOT_HOME, the embedded default. Each line is `ISO time<TAB>who<TAB>what`."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.stores.audit import AuditEntry, AuditLog, Clock, entry, now

FILE_NAME = "admin-audit.log"


class FileAuditLog(AuditLog):
    def __init__(self, path: Path, clock: Clock = now) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, who: str, what: str) -> None:
        kept = entry(self._clock(), who, what)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as log:
                log.write("\t".join((kept.at, kept.who, kept.what)) + "\n")

    def recent(self, limit: int = 10) -> list[AuditEntry]:
        return self.entries()[::-1][:limit]

    def entries(self) -> list[AuditEntry]:
        """Every change, oldest first (none while the file is not there)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [AuditEntry(*parts) for line in lines if len(parts := line.split("\t", 2)) == 3]
