"""The admin's index commands: build, dry run and roll back (`protocol-bot index`, `python index_build.py`).

Each is the same use case as in chat or the console: a build is the core's reindex (corrections follow
the documents), a dry run and a roll back are the console's, written to its audit log under the name of
whoever runs the terminal."""

from __future__ import annotations

import getpass
from typing import TextIO

from bot import messages
from bot.errors import AdminRefused
from bot.service.admin_console import AdminConsole
from bot.service.ports import ProtocolBot

# A build embeds thousands of sentences at once, where both cores help; questions use one.
BUILD_THREADS = 2


def run(bot: ProtocolBot, out: TextIO) -> int:
    out.write(bot.reindex().summary + "\n")
    return 0


def dry_run(console: AdminConsole, out: TextIO) -> int:
    out.write(console.dry_run().summary() + "\n")
    return 0


def rollback(console: AdminConsole, out: TextIO) -> int:
    try:
        told = console.roll_back(by=terminal_user())
    except AdminRefused as refused:
        out.write(f"{refused}\n")
        return 1
    out.write(told + "\n")
    return 0


def terminal_user() -> str:
    """Who the audit log names for a change made at the terminal."""
    try:
        return messages.CLI_WHO.format(user=getpass.getuser())
    except (KeyError, OSError):  # no login name in a bare container
        return messages.CLI_WHO_UNKNOWN
