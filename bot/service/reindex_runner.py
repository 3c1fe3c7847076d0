"""The chat front ends' `reindex` command: one rebuild at a time, in the background, reported when done."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot import messages
from bot.errors import ProtocolBotError, ReindexFailed
from bot.service.ports import ProtocolBot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReindexOutcome:
    """What the admin who asked is told: a one-line headline, and the build's summary when it worked."""

    headline: str
    details: str | None = None  # plain text, as `protocol-bot index` prints it
    version: str | None = None  # the index now serving, when the reindex published one


Report = Callable[[ReindexOutcome], None]


class ReindexRunner:
    """Runs `bot.reindex()` on its own thread, so the bot keeps answering questions while it rebuilds."""

    def __init__(self, bot: ProtocolBot) -> None:
        self._bot = bot
        self._lock = threading.Lock()
        self._reports: list[Report] = []  # everyone waiting for the running reindex's outcome
        self._thread: threading.Thread | None = None

    def start(self, report: Report) -> bool:
        """False, and nothing started, while another reindex is still running; `report` then hears
        that one's outcome, as the "already running" reply promises.

        `report` is called on the reindex's thread once it has ended, however it ended.
        """
        with self._lock:
            self._reports.append(report)
            if len(self._reports) > 1:
                return False
            self._thread = threading.Thread(target=self._run, name="protocol-reindex", daemon=True)
            self._thread.start()
            return True

    def wait(self) -> None:
        """Block until the latest reindex has ended and been reported, so shutting down doesn't lose it."""
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            result = self._bot.reindex()
            outcome = ReindexOutcome(messages.REINDEX_DONE.format(version=result.version), result.summary, result.version)
        except ReindexFailed as error:
            outcome = ReindexOutcome(str(error))  # already says the previous index keeps serving
        except ProtocolBotError as error:
            outcome = ReindexOutcome(messages.REINDEX_FAILED.format(reason=error))
        except Exception:
            logger.exception("Reindex failed")
            outcome = ReindexOutcome(messages.REINDEX_CRASHED)
        with self._lock:
            reports, self._reports = self._reports, []
        for report in reports:
            try:
                report(outcome)
            except Exception:
                # the thread would otherwise end with the traceback on stderr, outside the log
                logger.exception("Reporting the reindex outcome failed")
