"""A build killed half-way (SIGKILL) leaves the previous index serving and its debris unused."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.core import index_store, indexing
from bot.service.protocol_bot import IndexedProtocolBot
from bot.settings import PROJECT_ROOT
from tests.background import WAIT_SECONDS
from tests.fakes import HashingEmbedder


def wait_for(path: Path, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_build_killed_while_writing_leaves_the_old_index_serving_and_the_next_build_cleans_up(
    tmp_path: Path, knowledge: Path
) -> None:
    index, cache = tmp_path / "index", tmp_path / "cache.sqlite3"
    old = indexing.build(knowledge, index, HashingEmbedder(), cache).version
    doc = knowledge / "protocols" / "004_fbcb302b638d596d.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\n99. Officers may wear hats on Fridays.\n", encoding="utf-8")
    embedding = tmp_path / "embedding"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.blocking_build", str(knowledge), str(index), str(cache), str(embedding)],
        cwd=PROJECT_ROOT,
    )
    try:
        wait_for(embedding, child)
        assert embedding.exists(), "the build never reached the embedder"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(WAIT_SECONDS)
    assert child.returncode == -signal.SIGKILL

    staging = [p.name for p in index.iterdir() if p.name.startswith(index_store.STAGING_PREFIX)]
    assert len(staging) == 1 and (index / staging[0] / index_store.CLAUSES).is_file()
    assert index_store.current_version(index) == old
    assert index_store.versions(index) == [old]
    assert index_store.read(index).version == old
    bot = IndexedProtocolBot(knowledge, index, cache, HashingEmbedder())
    assert bot.ask("Can a councillor give instructions to officers?").citations

    new = indexing.build(knowledge, index, HashingEmbedder(), cache).version
    assert index_store.current_version(index) == new
    assert not [p for p in index.iterdir() if p.name.startswith(index_store.STAGING_PREFIX)]
    assert bot.ask("Officers may wear hats on Fridays").nearest[0].clause == "99"
