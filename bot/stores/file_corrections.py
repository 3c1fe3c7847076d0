"""Admins' corrections (bot/stores/corrections.py) as a file: `corrections.toml` in the knowledge folder, the
embedded default, one human-readable entry each, reviewed and versioned like the documents. It is read
again whenever it changes, so an edit by hand is used from the next question on."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import tomllib
from pathlib import Path

from bot import messages
from bot.errors import CorrectionError
from bot.stores.corrections import TEXT_FIELDS, CorrectionsStore, Edit, Record, checked

logger = logging.getLogger(__name__)

FILE_NAME = "corrections.toml"

_HEADER = """# Corrections to wrong answers, made by admins (protocol-bot teach, or from a 👎 in Slack or Teams).
# Each says what answers a question: `source` (a file in protocols/) with its `clause` reference, or a
# verbatim `quote` of the clause; or `not_covered = true` when the protocols do not answer it. The bot
# uses a correction from the next question on; edit or delete entries as you would any other text.
"""


def read(path: Path) -> tuple[Record, ...]:
    """The corrections in `path` (none when there is no file). Raises CorrectionError naming the problem."""
    if not path.is_file():
        return ()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CorrectionError(messages.CORRECTIONS_UNREADABLE.format(name=path.name, detail=exc)) from exc
    return checked(raw.get("corrections", []), path.name)


def write(path: Path, records: tuple[Record, ...]) -> None:
    """Replace the file in one rename, so a reader never sees half of it."""
    lines = [_HEADER]
    for record in records:
        lines.append("[[corrections]]")
        # A JSON string is a TOML basic string: the same quotes and escapes.
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key in TEXT_FIELDS if (value := record.get(key))]
        if record.get("not_covered"):
            lines.append("not_covered = true")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=".corrections-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    os.replace(staging, path)


class FileCorrections(CorrectionsStore):
    """One process changes the file at a time; replicas sharing it on a volume can lose one of two changes
    made at the same moment, which is why replicas keep their corrections in the database instead."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reading = threading.Lock()
        self._changing = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._records: tuple[Record, ...] = ()

    def current(self) -> tuple[Record, ...]:
        try:
            stat = self.path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        with self._reading:
            if stamp != self._stamp:
                try:
                    self._records = read(self.path)
                    self.problem = None
                except CorrectionError as error:
                    self.problem = messages.CORRECTIONS_LAST_GOOD_KEPT.format(problem=error)
                    logger.error("%s", self.problem)
                self._stamp = stamp
            return self._records

    def change(self, edit: Edit) -> tuple[Record, ...]:
        with self._changing:
            existing = self.current()
            kept = edit(existing)
            if kept != existing:
                write(self.path, kept)
                with self._reading:
                    self._records = kept  # the last good ones now, should the file be spoilt before it is read again
        return kept
