"""The background reindex both chat platforms use: one at a time, and always a report."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import messages
from bot.bootstrap import bootstrap
from bot.errors import ModelUnavailable, ReindexFailed
from bot.service.conversation import Message, Place, ReindexReply
from bot.service.reindex_runner import ReindexOutcome, ReindexRunner
from bot.settings import Settings
from tests.fakes import FakeProtocolBot, GatedBot


def run_to_the_end(runner: ReindexRunner) -> list[ReindexOutcome]:
    reports: list[ReindexOutcome] = []
    assert runner.start(reports.append)
    runner.wait()
    return reports


def test_a_finished_reindex_reports_the_new_version_and_the_build_summary() -> None:
    assert run_to_the_end(ReindexRunner(FakeProtocolBot())) == [
        ReindexOutcome(messages.REINDEX_DONE.format(version="v-test-2"), "2 documents, 160 clauses; no changes.",
                       "v-test-2")
    ]


def test_a_second_reindex_is_refused_while_one_runs_hears_its_outcome_and_is_allowed_once_it_has_ended() -> None:
    core = GatedBot()
    runner = ReindexRunner(core)
    first: list[ReindexOutcome] = []
    refused: list[ReindexOutcome] = []
    assert runner.start(first.append)
    assert not runner.start(refused.append)
    core.reindexing.set()
    runner.wait()
    assert first == refused and len(first) == 1  # "already running; I'll post the result" is kept
    assert runner.start(first.append)
    runner.wait()
    assert core.reindexed == 2 and len(first) == 2 and len(refused) == 1


def test_a_refused_reindex_reports_the_cores_own_words() -> None:
    failure = messages.REINDEX_FAILED.format(reason="notes.txt: the document has no text.")
    runner = ReindexRunner(FakeProtocolBot(reindex_fails_with=ReindexFailed(failure)))
    assert run_to_the_end(runner) == [ReindexOutcome(failure)]


def test_another_protocol_bot_error_is_worded_as_a_failed_reindex() -> None:
    runner = ReindexRunner(FakeProtocolBot(reindex_fails_with=ModelUnavailable("The model could not be loaded.")))
    assert run_to_the_end(runner) == [
        ReindexOutcome(messages.REINDEX_FAILED.format(reason="The model could not be loaded."))
    ]


def test_a_crash_is_reported_without_its_details_and_logged_with_them(caplog: pytest.LogCaptureFixture) -> None:
    runner = ReindexRunner(FakeProtocolBot(reindex_fails_with=RuntimeError("disk full")))
    with caplog.at_level(logging.ERROR):
        assert run_to_the_end(runner) == [ReindexOutcome(messages.REINDEX_CRASHED)]
    assert any(record.exc_info and "disk full" in str(record.exc_info[1]) for record in caplog.records)


def test_chat_and_the_console_share_one_reindex_so_a_reindex_typed_during_a_publish_builds_nothing_more(
    tmp_path: Path, knowledge: Path
) -> None:
    core = GatedBot()
    services = bootstrap(Settings(knowledge_dir=knowledge, home=tmp_path, admins=frozenset({"U-ADMIN"})), bot=core)
    console = services.console
    assert console.publish(by="Clerk")
    heard: list[ReindexOutcome] = []
    reply = services.conversation.handle(Message(Place("slack", "C1"), "U-ADMIN", "reindex"), heard.append)
    assert reply == ReindexReply(started=False)  # "already running; I'll post the result"
    core.reindexing.set()
    console.wait()
    assert core.reindexed == 1 and len(heard) == 1 and console.publishing() is None
    services.close()
