"""A large deployment is one setting away: above PROTOCOL_BOT_EXACT_UP_TO vectors an index version is
built as IVF-SQ8, and the bot answers from it as it does from an exact one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.core import index_store, vector_index
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder

QUESTIONS = ["Can a councillor give instructions to officers?", "Should councillors and officers be close friends?",
             "Can I copy an email to another councillor?", "Who deals with complaints about the clerk?"]


def test_the_index_is_exact_up_to_the_setting_and_clustered_above_it() -> None:
    vectors = np.random.default_rng(0).standard_normal((2_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert type(vector_index.build(vectors, exact_up_to=2_000)).__name__ == "IndexFlatIP"
    clustered = vector_index.build(vectors, exact_up_to=1_000)
    assert type(clustered).__name__ == "IndexIVFScalarQuantizer" and clustered.nprobe >= vector_index.PROBES
    _, found = clustered.search(vectors[:20], 1)
    assert (found[:, 0] == np.arange(20)).mean() >= 0.9  # each vector is its own nearest


def test_a_bot_over_a_clustered_index_cites_what_an_exact_one_cites(tmp_path: Path, knowledge: Path) -> None:
    def bot(name: str, exact_up_to: int) -> IndexedProtocolBot:
        built = IndexedProtocolBot(knowledge, tmp_path / name, tmp_path / "cache.sqlite3", HashingEmbedder(),
                                   exact_up_to=exact_up_to)
        built.reindex()
        return built

    exact, clustered = bot("exact", 1_000_000), bot("clustered", 100)
    assert type(index_store.read(tmp_path / "clustered").piece_vectors).__name__ == "IndexIVFScalarQuantizer"
    for question in QUESTIONS:
        assert clustered.ask(question).nearest[0].text == exact.ask(question).nearest[0].text
