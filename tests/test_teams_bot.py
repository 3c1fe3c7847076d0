"""The Teams activity handler, driven through a host that records what it sends (no SDK, no network)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.teams.render import ADAPTIVE_CARD
from adapters.teams.translate import ProtocolTeamsBot
from bot import messages
from bot.errors import IndexUnavailable, ReindexFailed
from bot.service.status_report import render_status
from bot.stores.feedback import cited_refs
from bot.stores.sql_feedback import SqlFeedbackStore
from tests import teams_support as teams
from tests.fakes import FakeProtocolBot, GatedBot, conversation

QUESTION = "Can I copy this email to another councillor?"


class Harness:
    def __init__(self, core: FakeProtocolBot) -> None:
        self.core = core
        self.store = SqlFeedbackStore(":memory:")
        self.host = teams.RecordingHost()
        self.bot = ProtocolTeamsBot(conversation(core, self.store, admins=frozenset({teams.ADMIN_AAD})), self.host)

    async def send(self, activity: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver one activity; return everything the bot sent during that turn."""
        await self.host.process(None, activity, self.bot.on_turn)
        return self.replies()

    def replies(self) -> list[dict[str, Any]]:
        return self.host.taken()


@pytest.fixture
def harness() -> Harness:
    return Harness(FakeProtocolBot())


def card_of(reply: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = reply["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    return attachment["content"]


async def test_a_personal_message_is_answered_with_an_adaptive_card(harness: Harness) -> None:
    (reply,) = await harness.send(teams.personal_message(QUESTION))

    card = card_of(reply)
    assert messages.LEAD_ANSWER_MANY in teams.card_texts(card)
    assert any("should not normally be copied" in text for text in teams.card_texts(card))
    assert harness.core.asked == [(QUESTION, None)]


async def test_the_bots_mention_is_stripped_before_the_question_is_asked(harness: Harness) -> None:
    (reply,) = await harness.send(teams.channel_mention(QUESTION))

    assert harness.core.asked == [(QUESTION, None)]
    assert reply["attachments"]


async def test_an_out_of_scope_question_gets_the_not_covered_card(harness: Harness) -> None:
    (reply,) = await harness.send(teams.personal_message("Write me a poem about bins"))

    card = card_of(reply)
    assert messages.OUT_OF_SCOPE in teams.card_texts(card)
    assert "actions" not in card


@pytest.mark.parametrize(
    "activity",
    [teams.personal_message(""), teams.personal_message("  \n "), teams.channel_mention("")],
    ids=["empty", "blank", "only a mention"],
)
async def test_an_empty_message_gets_a_prompt_to_ask_a_question(harness: Harness, activity: dict[str, Any]) -> None:
    (reply,) = await harness.send(activity)

    assert reply["text"] == messages.EMPTY_QUESTION
    assert harness.core.asked == []


async def test_a_card_submit_that_is_not_feedback_gets_the_prompt(harness: Harness) -> None:
    (reply,) = await harness.send(teams.personal_message(None, value={"action": "something-else"}))

    assert reply["text"] == messages.EMPTY_QUESTION


async def test_a_thumbs_down_in_teams_own_control_is_stored_with_what_was_typed(harness: Harness) -> None:
    await harness.send(teams.personal_message(QUESTION))

    replies = await harness.send(teams.feedback(harness.host.last_id, helpful=False, text="Wrong council."))

    assert replies == []  # Teams shows its own thanks
    (entry,) = harness.store.recent()
    assert (entry.platform, entry.user, entry.question, entry.helpful) == ("teams", teams.USER_AAD, QUESTION, False)
    assert entry.citations == cited_refs(harness.core.ask(QUESTION))
    assert entry.comment == "Wrong council."


async def test_a_thumbs_up_in_a_channel_thread_is_stored_against_the_answer_in_that_thread(harness: Harness) -> None:
    await harness.send(teams.channel_mention(QUESTION))

    await harness.send(teams.feedback(harness.host.last_id, helpful=True, conversation=teams.CHANNEL_THREAD))

    (entry,) = harness.store.recent()
    assert (entry.question, entry.helpful, entry.comment) == (QUESTION, True, None)


async def test_a_click_on_an_answer_card_from_before_teams_own_control_is_stored_and_thanked(harness: Harness) -> None:
    """Answer cards sent by earlier versions carry 👍/👎 buttons of their own, which go on working."""
    await harness.send(teams.personal_message(QUESTION))
    answer = f"teams:{teams.PERSONAL_CHAT}:{harness.host.last_id}"  # any name the answer is kept under

    replies = await harness.send(teams.personal_message(None, value={"action": "feedback", "helpful": True,
                                                                     "answer": answer}, reply_to="card-1"))

    assert replies == []
    (entry,) = harness.store.recent()
    assert (entry.question, entry.helpful) == (QUESTION, True)
    (updated,) = harness.host.updated
    assert updated["id"] == "card-1" and messages.FEEDBACK_THANKS in teams.card_texts(card_of(updated))


async def test_feedback_on_an_answer_that_is_forgotten_says_to_ask_again(harness: Harness) -> None:
    (reply,) = await harness.send(teams.feedback("a-message-from-long-ago", helpful=True))

    assert reply["text"] == messages.ANSWER_EXPIRED
    assert harness.store.recent() == []


async def test_a_card_vote_on_an_answer_that_is_forgotten_says_to_ask_again(harness: Harness) -> None:
    (reply,) = await harness.send(teams.personal_message(None, value={"action": "feedback", "helpful": True,
                                                                      "answer": "unknown"}))

    assert reply["text"] == messages.ANSWER_EXPIRED
    assert harness.store.recent() == []



async def test_forged_feedback_is_not_stored(harness: Harness) -> None:
    forged = {"action": "feedback", "helpful": "very", "question": QUESTION, "citations": "all of them"}

    (reply,) = await harness.send(teams.personal_message(None, value=forged))

    assert reply["text"] == messages.EMPTY_QUESTION
    assert harness.store.recent() == []


@pytest.mark.parametrize("command", ["reindex", "status", "Reindex."])
async def test_a_non_admin_is_refused_admin_commands_politely(harness: Harness, command: str) -> None:
    (reply,) = await harness.send(teams.personal_message(command))

    assert reply["text"] == messages.ADMIN_ONLY.format(command=command.strip(".").lower())
    assert harness.core.reindexed == 0


async def test_an_admin_reindex_is_acknowledged_then_reports_the_new_version(harness: Harness) -> None:
    sent = await harness.send(teams.channel_mention("reindex", aad=teams.ADMIN_AAD))
    await harness.bot.drain()

    started, report = sent + harness.replies()  # the report may come while the turn is still ending
    assert started["text"] == messages.REINDEX_STARTED
    assert "v-test-2" in report["text"] and "160 clauses" in report["text"]
    assert report["conversation"]["id"] == teams.CHANNEL_THREAD
    assert harness.core.reindexed == 1


async def test_a_second_reindex_while_one_runs_is_not_started() -> None:
    core = GatedBot(answering=True)
    harness = Harness(core)
    (first,) = await harness.send(teams.personal_message("reindex", aad=teams.ADMIN_AAD))
    (second,) = await harness.send(teams.personal_message("reindex", aad=teams.ADMIN_AAD))
    core.reindexing.set()
    await harness.bot.drain()

    assert (first["text"], second["text"]) == (messages.REINDEX_STARTED, messages.REINDEX_BUSY)
    assert harness.core.reindexed == 1


async def test_a_failed_reindex_says_the_previous_index_still_serves() -> None:
    failure = messages.REINDEX_FAILED.format(reason="000_071d258fd975c70b.txt: the document has no text.")
    harness = Harness(FakeProtocolBot(reindex_fails_with=ReindexFailed(failure)))
    sent = await harness.send(teams.personal_message("reindex", aad=teams.ADMIN_AAD))
    await harness.bot.drain()

    started, report = sent + harness.replies()
    assert (started["text"], report["text"]) == (messages.REINDEX_STARTED, failure)


async def test_a_reindex_that_crashes_is_reported_and_its_traceback_logged(caplog: pytest.LogCaptureFixture) -> None:
    harness = Harness(FakeProtocolBot(reindex_fails_with=RuntimeError("disk full")))

    with caplog.at_level(logging.ERROR):
        sent = await harness.send(teams.personal_message("reindex", aad=teams.ADMIN_AAD))
        await harness.bot.drain()

    _, report = sent + harness.replies()
    assert report["text"] == messages.REINDEX_CRASHED
    assert any(record.exc_info and "disk full" in str(record.exc_info[1]) for record in caplog.records)


async def test_an_admin_sees_the_index_status(harness: Harness) -> None:
    (reply,) = await harness.send(teams.personal_message("status", aad=teams.ADMIN_AAD))

    assert reply["text"] == "```\n" + render_status(harness.core.status()) + "\n```"


async def test_help_lists_the_documents_and_example_questions(harness: Harness) -> None:
    (reply,) = await harness.send(teams.personal_message("help"))

    assert "Councillor-Officer Protocol" in reply["text"]
    assert "Member / Officer Protocol (Code of Conduct)" in reply["text"]
    assert all(example in reply["text"] for example in messages.EXAMPLE_QUESTIONS)
    assert messages.TEAMS_HELP_ADMIN not in reply["text"]


async def test_help_tells_an_admin_about_status_and_reindex(harness: Harness) -> None:
    (reply,) = await harness.send(teams.personal_message("Help!", aad=teams.ADMIN_AAD))

    assert messages.TEAMS_HELP_ADMIN in reply["text"]


async def test_an_unexpected_error_gets_an_apology_and_the_traceback_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness(FakeProtocolBot(fail_with=RuntimeError("index file truncated")))

    with caplog.at_level(logging.ERROR):
        (reply,) = await harness.send(teams.personal_message(QUESTION))

    assert reply["text"] == messages.ERROR_APOLOGY
    assert any(record.exc_info and "index file truncated" in str(record.exc_info[1]) for record in caplog.records)


async def test_a_protocol_bot_error_is_shown_as_written() -> None:
    harness = Harness(FakeProtocolBot(fail_with=IndexUnavailable(messages.INDEX_MISSING)))

    (reply,) = await harness.send(teams.personal_message(QUESTION))

    assert reply["text"] == messages.INDEX_MISSING


@pytest.mark.parametrize(("members", "conversation", "kind"), [
    ([teams.BOT], "19:general@thread.tacv2", "channel"),
    ([teams.user()], "19:general@thread.tacv2", "channel"),
    ([teams.user(), teams.BOT], teams.PERSONAL_CHAT, "personal"),
], ids=["bot added to a team", "colleague joins a team", "installed personally"])
async def test_no_welcome_is_sent_as_the_prompt_starters_greet_people_instead(
    harness: Harness, members: list[dict[str, Any]], conversation: str, kind: str,
) -> None:
    assert await harness.send(teams.members_added(members, conversation=conversation, conversation_type=kind)) == []


@pytest.mark.parametrize(
    "activity",
    [
        teams.other_activity("typing"),
        teams.other_activity("messageReaction", reactionsAdded=[{"type": "like"}], replyToId="1700000000100"),
        teams.other_activity("installationUpdate", action="add"),
        teams.other_activity("conversationUpdate", membersRemoved=[teams.user()]),
        teams.other_activity("event", name="application/vnd.microsoft.meetingStart"),
    ],
    ids=["typing", "reaction", "installation", "member left", "meeting event"],
)
async def test_other_activities_are_ignored_without_error(
    harness: Harness, activity: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        replies = await harness.send(activity)

    assert replies == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_an_admins_thumbs_down_offers_the_nearest_clauses_and_the_pick_corrects_the_answer() -> None:
    harness = Harness(FakeProtocolBot())
    await harness.send(teams.personal_message(QUESTION, aad=teams.ADMIN_AAD))
    (offer,) = await harness.send(teams.feedback(harness.host.last_id, helpful=False, aad=teams.ADMIN_AAD))
    card = card_of(offer)
    (choices,) = [e for e in teams.elements(card) if e["type"] == "Input.ChoiceSet"]
    assert len(choices["choices"]) == len(harness.core.ask(QUESTION).nearest) + 1
    send = card["actions"][0]["data"]

    (reply,) = await harness.send(teams.personal_message(None, value={**send, "teach": "0"}, aad=teams.ADMIN_AAD,
                                                         reply_to="card-1"))

    assert reply["text"].startswith("Taught:")
    assert harness.core.taught[0].question == QUESTION


async def test_a_councillors_thumbs_down_offers_no_correction(harness: Harness) -> None:
    await harness.send(teams.personal_message(QUESTION))

    assert await harness.send(teams.feedback(harness.host.last_id, helpful=False)) == []
