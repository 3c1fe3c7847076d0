"""Time of a one-document change reindex with the real default model, after a warm full build.

    .venv/bin/python bench/reindex.py

Works on a copy of the knowledge folder in a temporary home. The unpacked model is linked, as in
bench/speed.py; the embedding cache is copied when there is one, so the warm build is not a first
embedding of everything. A question is asked before timing because a running bot, where admins
reindex from chat, has its model loaded already.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.bootstrap import protocol_bot
from bot.settings import Settings

NEW_CLAUSE = "\n\n99. Officers may wear hats on Fridays when meeting councillors.\n"


def main() -> None:
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory() as tmp:
        home, knowledge = Path(tmp) / "home", Path(tmp) / "knowledge"
        home.mkdir()
        os.symlink(settings.model_cache.resolve(), home / "models")
        if settings.embedding_cache.is_file():
            shutil.copy(settings.embedding_cache, home / "embeddings.sqlite3")
        shutil.copytree(settings.knowledge_dir, knowledge, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        bot = protocol_bot(replace(settings, home=home, knowledge_dir=knowledge))
        started = time.perf_counter()
        full = bot.reindex()
        print(f"warm full build: {time.perf_counter() - started:.1f} s")
        bot.ask("Can a councillor give instructions to officers?")
        document = sorted((knowledge / "protocols").iterdir())[-1]
        document.write_text(document.read_text(encoding="utf-8") + NEW_CLAUSE, encoding="utf-8")
        started = time.perf_counter()
        changed = bot.reindex()
        seconds = time.perf_counter() - started
        assert changed.version != full.version
        print(f"one-document change reindex ({document.name}, one clause appended): {seconds:.2f} s")
        print(changed.summary.splitlines()[0])


if __name__ == "__main__":
    main()
