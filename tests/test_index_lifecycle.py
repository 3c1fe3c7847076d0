"""Reindexing safely: change reports, dry runs, rollback, kept versions, failed builds and incremental embedding."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from adapters.cli import main as cli
from bot import messages
from bot.core import index_store, indexing
from bot.errors import ModelUnavailable, ReindexFailed
from bot.service.protocol_bot import IndexedProtocolBot
from bot.service.status_report import render_status
from bot.stores.file_audit import FILE_NAME as AUDIT_FILE
from tests.fakes import HashingEmbedder

NUMBERED = "004_fbcb302b638d596d.txt"
UNNUMBERED = "000_071d258fd975c70b.txt"
FAMILIARITY = "Close personal familiarity should be avoided."


def edit(knowledge: Path, name: str, old: str, new: str) -> None:
    path = knowledge / "protocols" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def append_clause(knowledge: Path, name: str = NUMBERED) -> None:
    path = knowledge / "protocols" / name
    path.write_text(path.read_text(encoding="utf-8") + "\n\n99. Officers may wear hats on Fridays.\n", encoding="utf-8")


def leftovers(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith(index_store.STAGING_PREFIX))


def cli_run(argv: list[str], home: Path, knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("PROTOCOL_BOT_HOME", str(home))
    monkeypatch.setenv("PROTOCOL_BOT_KNOWLEDGE", str(knowledge))
    out = io.StringIO()
    return cli.main(argv, out), out.getvalue()


def test_a_reindex_reports_clauses_added_reworded_and_documents_retired_and_keeps_the_report(
    fake_bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path
) -> None:
    before = fake_bot.status().version
    edit(knowledge, NUMBERED, FAMILIARITY, "Close personal familiarity must be avoided.")
    append_clause(knowledge)
    (knowledge / "protocols" / UNNUMBERED).unlink()
    result = fake_bot.reindex()
    assert f"Changes since index {before}:" in result.summary
    assert f"Documents retired: {UNNUMBERED}" in result.summary
    assert f"  {NUMBERED}: 1 added, 0 removed, 1 reworded, 0 renumbered" in result.summary
    assert "    + clause 99: Officers may wear hats on Fridays." in result.summary
    assert "    ~ clause 1: … professionalism. Close personal familiarity [-should-] {+must+} be avoided." in result.summary
    folder = tmp_path / "index" / result.version
    stored = json.loads((folder / "changes.json").read_text(encoding="utf-8"))
    assert stored["previous"] == before and stored["documents_retired"] == [UNNUMBERED]
    assert stored["documents"][0]["added"] == [
        {"label": "clause 99", "detail": "Officers may wear hats on Fridays.", "words": []}]
    report = (folder / "changes.txt").read_text(encoding="utf-8")
    assert report in result.summary
    assert fake_bot.status().change_report == report
    assert report in render_status(fake_bot.status())


def test_a_reindex_without_edits_says_no_clause_changed(fake_bot: IndexedProtocolBot) -> None:
    before = fake_bot.status().version
    assert fake_bot.reindex().summary.endswith(f"No clause changed since index {before}.")


def test_a_dry_run_shows_the_changes_without_embedding_or_touching_the_index(
    tmp_path: Path, knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    first = indexing.build(knowledge, home / "index", HashingEmbedder(), home / "embeddings.sqlite3")
    append_clause(knowledge)
    on_disk = sorted(p.name for p in (home / "index").iterdir())
    cache = (home / "embeddings.sqlite3").read_bytes()
    code, text = cli_run(["index", "--dry-run"], home, knowledge, monkeypatch)
    assert code == 0
    assert text.startswith("Dry run: ") and "Nothing was embedded" in text
    assert "+ clause 99: Officers may wear hats on Fridays." in text
    assert sorted(p.name for p in (home / "index").iterdir()) == on_disk
    assert (home / "embeddings.sqlite3").read_bytes() == cache
    assert index_store.current_version(home / "index") == first.version


def test_a_dry_run_fails_on_a_bad_document_by_name(tmp_path: Path, knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (knowledge / "protocols" / "zz_empty.txt").write_text("  \n", encoding="utf-8")
    code, text = cli_run(["index", "--dry-run"], tmp_path / "home", knowledge, monkeypatch)
    assert code == 2 and "zz_empty.txt" in text
    assert not (tmp_path / "home" / "index").exists()


def test_rollback_serves_the_previous_version_to_a_running_bot_as_the_console_would_and_logs_who(
    fake_bot: IndexedProtocolBot, tmp_path: Path, knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fake_bot.status().version
    append_clause(knowledge)
    fake_bot.reindex()
    code, text = cli_run(["index", "--rollback"], tmp_path, knowledge, monkeypatch)
    assert code == 0
    assert text.startswith("Done: the bots answer from the version built")
    # built from the terminal, so no copy of the folder it was built from is kept, and it says so
    assert messages.ADMIN_RESTORE_MISSING.format(names=NUMBERED) in text
    assert fake_bot.status().version == first
    logged = (tmp_path / AUDIT_FILE).read_text(encoding="utf-8")
    assert "at the terminal" in logged and "went back to the version built" in logged
    code, text = cli_run(["index", "--rollback"], tmp_path, knowledge, monkeypatch)
    assert code == 1 and text.strip() == messages.ROLLBACK_NONE.format(version=first)
    assert index_store.current_version(tmp_path / "index") == first


def test_rollback_without_an_index_says_there_is_none(tmp_path: Path, knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = cli_run(["index", "--rollback"], tmp_path / "home", knowledge, monkeypatch)
    assert code == 1 and text.strip() == messages.ROLLBACK_NO_INDEX


def test_only_the_newest_versions_are_kept_and_the_serving_one_survives_a_rollback(tmp_path: Path, knowledge: Path) -> None:
    index, cache, embedder = tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder()
    built = [indexing.build(knowledge, index, embedder, cache, keep=2).version for _ in range(3)]
    assert index_store.versions(index) == built[1:]
    assert index_store.roll_back(index) == built[1]
    newest = indexing.build(knowledge, index, embedder, cache, keep=1).version
    assert index_store.versions(index) == [newest]
    assert index_store.roll_back(index) is None


def test_a_failed_reindex_leaves_current_and_the_versions_on_disk_as_they_were(
    fake_bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path
) -> None:
    on_disk = sorted(p.name for p in (tmp_path / "index").iterdir())
    src = knowledge / "protocols" / NUMBERED
    (knowledge / "protocols" / "zz_copy.txt").write_bytes(src.read_bytes())
    with pytest.raises(ReindexFailed, match="zz_copy.txt"):
        fake_bot.reindex()
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == on_disk


class BrokenModel(HashingEmbedder):
    """A model that cannot be loaded once the build has started writing."""

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        raise ModelUnavailable(messages.MODEL_MISSING.format(model=self.name, detail="test"))


def test_a_build_that_fails_while_embedding_removes_its_staging_directory(
    fake_bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path
) -> None:
    before = fake_bot.status().version
    append_clause(knowledge)
    with pytest.raises(ModelUnavailable):
        indexing.build(knowledge, tmp_path / "index", BrokenModel(), tmp_path / "cache.sqlite3")
    assert index_store.versions(tmp_path / "index") == [before]
    assert leftovers(tmp_path / "index") == []
    assert fake_bot.status().version == before


def test_a_one_document_change_embeds_only_its_new_text_in_one_batch(tmp_path: Path, knowledge: Path) -> None:
    embedder = HashingEmbedder()
    bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", embedder)
    bot.reindex()
    assert embedder.batches == 1
    embedder.calls = embedder.batches = 0
    bot.reindex()
    assert (embedder.calls, embedder.batches) == (0, 0)
    append_clause(knowledge)
    bot.reindex()
    # the new clause's text, once (its one sentence, as a piece, is the same text), and the
    # question the rule answers ("Can officers wear hats on Fridays?"), in one batch
    assert (embedder.calls, embedder.batches) == (2, 1)
