from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core import index_store, indexing
from bot.errors import DocumentError, IndexUnavailable, ReindexFailed
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder

SEEDS = sorted(p.name for p in (Path(__file__).parent.parent / "knowledge" / "protocols").glob("*.txt"))


def test_a_build_writes_a_version_with_its_manifest_and_points_current_at_it(tmp_path: Path, knowledge: Path) -> None:
    report = indexing.build(knowledge, tmp_path / "index", HashingEmbedder(), tmp_path / "cache.sqlite3")
    assert index_store.current_version(tmp_path / "index") == report.version
    manifest = json.loads((tmp_path / "index" / report.version / "manifest.json").read_text())
    assert manifest["model"] == "hashing-test-embedder"
    assert manifest["dimension"] == 256
    assert sorted(manifest["documents"]) == SEEDS
    assert all(len(d["sha256"]) == 64 and d["clauses"] > 0 for d in manifest["documents"].values())
    assert manifest["built_at"]
    assert "Ilminster Town Council" in {d["council"] for d in manifest["documents"].values()}


def test_the_build_summary_names_every_document_with_its_clause_count(tmp_path: Path, knowledge: Path) -> None:
    report = indexing.build(knowledge, tmp_path / "index", HashingEmbedder(), tmp_path / "cache.sqlite3")
    summary = report.summary()
    for doc in report.documents:
        assert f"{doc.source}: {len(doc.clauses)} clauses" in summary


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "no text"), (b"   \n\n  ", "no text"), (b"\xff\xfe\x00bad", "could not be read")],
)
def test_a_bad_document_fails_the_reindex_by_name_and_the_old_index_keeps_serving(
    fake_bot: IndexedProtocolBot, knowledge: Path, content: bytes, reason: str
) -> None:
    before = fake_bot.status().version
    (knowledge / "protocols" / "zz_new.txt").write_bytes(content)
    with pytest.raises(ReindexFailed) as failure:
        fake_bot.reindex()
    assert "zz_new.txt" in str(failure.value) and reason in str(failure.value)
    assert "previous index is still serving" in str(failure.value)
    assert fake_bot.status().version == before
    assert fake_bot.ask("Can a councillor give instructions to officers?").citations


def test_a_duplicated_document_is_refused(tmp_path: Path, knowledge: Path) -> None:
    src = knowledge / "protocols" / SEEDS[1]
    (knowledge / "protocols" / "copy.txt").write_bytes(src.read_bytes())
    with pytest.raises(DocumentError, match="copy of"):
        indexing.build(knowledge, tmp_path / "index", HashingEmbedder(), tmp_path / "cache.sqlite3")
    assert index_store.current_version(tmp_path / "index") is None


def test_a_rebuild_embeds_only_the_text_that_changed(tmp_path: Path, knowledge: Path) -> None:
    embedder = HashingEmbedder()
    indexing.build(knowledge, tmp_path / "index", embedder, tmp_path / "cache.sqlite3")
    doc = knowledge / "protocols" / SEEDS[4]
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\n99. Officers may wear hats on Fridays.\n", encoding="utf-8")
    report = indexing.build(knowledge, tmp_path / "index", embedder, tmp_path / "cache.sqlite3")
    assert 0 < report.embedded <= 3


def test_a_missing_index_tells_the_admin_to_run_make_index(tmp_path: Path, knowledge: Path) -> None:
    bot = IndexedProtocolBot(knowledge, tmp_path / "nothing", tmp_path / "cache.sqlite3", HashingEmbedder())
    with pytest.raises(IndexUnavailable, match="make index"):
        bot.ask("Can I copy an email to another councillor?")


def test_a_corrupt_index_tells_the_admin_to_run_make_index(fake_bot: IndexedProtocolBot, tmp_path: Path) -> None:
    version = fake_bot.status().version
    (tmp_path / "index" / version / "clauses.faiss").write_bytes(b"not a faiss index")
    fresh = IndexedProtocolBot(tmp_path / "knowledge", tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())
    with pytest.raises(IndexUnavailable, match="make index"):
        fresh.ask("Can I copy an email to another councillor?")


def test_a_running_bot_serves_a_new_index_without_restart(fake_bot: IndexedProtocolBot, tmp_path: Path, knowledge: Path) -> None:
    (knowledge / "protocols" / "zz_hats.txt").write_text(
        "Dress code\n\n1. Officers may wear purple hats on Fridays when meeting councillors.\n", encoding="utf-8"
    )
    other = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())
    other.reindex()  # a separate process, such as `make index`, switches the pointer
    answer = fake_bot.ask("purple hats on Fridays")
    assert answer.nearest[0].source == "zz_hats.txt"
