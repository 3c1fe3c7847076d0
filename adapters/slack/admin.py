"""The admin commands' slow half: a reindex in the background, one at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot import messages
from bot.errors import ProtocolBotError
from bot.ports import ProtocolBot

logger = logging.getLogger(__name__)

Report = Callable[[str, str | None], None]  # (headline, details as plain text)


class Reindexer:
    """Runs `bot.reindex()` on its own thread so the listener pool keeps answering questions meanwhile."""

    def __init__(self, bot: ProtocolBot) -> None:
        self._bot = bot
        self._running = threading.Lock()

    def start(self, report: Report) -> bool:
        """False, and nothing started, while another reindex is still running."""
        if not self._running.acquire(blocking=False):
            return False
        threading.Thread(target=self._run, args=(report,), name="protocol-reindex", daemon=True).start()
        return True

    def _run(self, report: Report) -> None:
        try:
            result = self._bot.reindex()
            headline, details = messages.SLACK_REINDEX_DONE.format(version=result.version), result.summary
        except ProtocolBotError as error:
            headline, details = messages.SLACK_REINDEX_FAILED.format(error=error), None
        except Exception:
            logger.exception("Reindex failed")
            headline, details = messages.SLACK_REINDEX_CRASHED, None
        finally:
            self._running.release()
        report(headline, details)
