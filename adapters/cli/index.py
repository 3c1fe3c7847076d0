"""The admin's index commands: build, dry run and roll back (`protocol-bot index`, `python index_build.py`)."""

from __future__ import annotations

from typing import TextIO

from bot import messages
from bot.ports import ProtocolBot
from bot.settings import Settings

# A build embeds thousands of sentences at once, where both cores help; questions use one.
BUILD_THREADS = 2


def run(bot: ProtocolBot, out: TextIO) -> int:
    """The same reindex as from chat or the console, so corrections follow the documents here too."""
    out.write(bot.reindex().summary + "\n")
    return 0


def dry_run(settings: Settings, out: TextIO) -> int:
    from bot import indexing

    out.write(indexing.preview(settings.knowledge_dir, settings.index_root).summary() + "\n")
    return 0


def rollback(settings: Settings, out: TextIO) -> int:
    from bot import index_store

    replaced = index_store.current_version(settings.index_root)
    if replaced is None:
        out.write(messages.ROLLBACK_NO_INDEX + "\n")
        return 1
    target = index_store.roll_back(settings.index_root)
    if target is None:
        out.write(messages.ROLLBACK_NONE.format(version=replaced) + "\n")
        return 1
    out.write(messages.ROLLBACK_DONE.format(version=target, replaced=replaced) + "\n")
    return 0
