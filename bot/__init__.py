"""Protocol Bot's core: `bot.ask(question, scope=None) -> Answer`.

Importing this package is cheap; the index and the model load on the first question.
"""

from __future__ import annotations

import threading

from bot.answer import Answer, Citation, Scope
from bot.ports import ProtocolBot

__all__ = ["Answer", "Citation", "Scope", "ProtocolBot", "ask"]

_default: ProtocolBot | None = None
_default_lock = threading.Lock()


def ask(question: str, scope: Scope | None = None) -> Answer:
    """Answer with the bot built from the environment's settings (see bot.settings)."""
    global _default
    with _default_lock:
        if _default is None:
            from bot.bootstrap import bootstrap

            _default = bootstrap()
    return _default.ask(question, scope)
