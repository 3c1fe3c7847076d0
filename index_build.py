"""The admin's reindex entry point: `python index_build.py` (the same as `protocol-bot index`)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.settings import Settings

# A build embeds thousands of sentences at once, where both cores help; questions use one.
BUILD_THREADS = 2


def run(settings: Settings, out: TextIO) -> int:
    from bot import indexing
    from bot.bootstrap import embedder

    report = indexing.build(
        settings.knowledge_dir,
        settings.index_root,
        embedder(settings, threads=BUILD_THREADS),
        settings.embedding_cache,
        progress=True,
    )
    out.write(report.summary() + "\n")
    return 0


if __name__ == "__main__":
    from adapters.cli.main import main

    sys.exit(main(["index", *sys.argv[1:]]))
