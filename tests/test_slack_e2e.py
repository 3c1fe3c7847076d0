"""The Slack bot end to end: the real app over HTTP (and Socket Mode) against a fake Slack on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.mrkdwn import escape
from adapters.slack.server import socket_mode_handler
from adapters.slack.settings import SlackConfig
from adapters.slack.translate import build_app
from bot import messages
from bot.answer import Scope
from bot.errors import IndexUnavailable, ReindexFailed
from bot.service.scopes import Scopes
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.fake_slack import BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlack, event_body
from tests.fakes import COPY_EMAIL, FakeProtocolBot, GatedBot, conversation
from tests.slack_support import (
    ADMIN,
    CHANNEL,
    LIVE_MARKUP,
    USER,
    Slack,
    SlackStarter,
    _ts,
    buttons,
    feedback_values,
    mention,
    message,
    rendered,
)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Slack]]:
    starter = SlackStarter(tmp_path)
    yield starter
    starter.stop_all()


@pytest.fixture
def slack(start: Callable[..., Slack]) -> Slack:
    return start()


# --- conversations ---------------------------------------------------------------------------------


def test_a_mention_in_a_channel_is_answered_in_its_thread_with_citations(slack: Slack) -> None:
    event = mention("Can I copy an email to another councillor?")
    assert slack.event(event)[0] == 200
    [post] = slack.posts()
    assert post["channel"] == CHANNEL and post["thread_ts"] == event["ts"]
    assert post["blocks"][0]["text"]["text"] == messages.LEAD_ANSWER_MANY
    assert "CORRESPONDENCE" in rendered(post) and "clause 20" in rendered(post)
    assert slack.bot.asked == [("Can I copy an email to another councillor?", None)]


ILMINSTER = Scope(frozenset({"000_071d258fd975c70b.txt", "001_a879d86bb0aeb3d5.txt"}))
CONDUCT = Scope(frozenset({"004_fbcb302b638d596d.txt"}))
SCOPES = Scopes({("slack", "teams"): {TEAM_ID: ILMINSTER}, ("slack", "channels"): {"C0CONDUCT": CONDUCT}})


def test_a_mention_in_a_mapped_channel_is_answered_from_that_channels_documents(start: Callable[..., Slack]) -> None:
    slack = start(scopes=SCOPES)
    event = mention("Can I copy an email to another councillor?")
    event["channel"] = "C0CONDUCT"

    assert slack.event(event)[0] == 200
    slack.posts()

    assert slack.bot.asked == [("Can I copy an email to another councillor?", CONDUCT)]


def test_a_slash_command_in_a_mapped_workspace_is_answered_from_its_documents(start: Callable[..., Slack]) -> None:
    slack = start(scopes=SCOPES)

    slack.command("Can I copy an email?")
    slack.fake.wait_for("response_url")

    assert slack.bot.asked == [("Can I copy an email?", ILMINSTER)]


def test_a_mention_inside_a_thread_is_answered_in_that_thread(slack: Slack) -> None:
    slack.event(mention("Can I give instructions to the clerk?", thread_ts="1600000000.000001"))
    assert slack.posts()[0]["thread_ts"] == "1600000000.000001"


def test_a_direct_message_is_answered_in_the_direct_message(slack: Slack) -> None:
    slack.event(message("Can I copy an email?", channel="D0ALICE", channel_type="im"))
    [post] = slack.posts()
    assert post["channel"] == "D0ALICE" and "thread_ts" not in post
    assert "CORRESPONDENCE" in rendered(post)


def test_a_follow_up_in_an_answered_thread_is_answered_with_the_earlier_question_as_context(slack: Slack) -> None:
    first = mention("Can I copy an email to another councillor?")
    slack.event(first)
    slack.posts()
    slack.event(message("What if the clerk asks me to?", thread_ts=first["ts"]))
    second = slack.posts(2)[1]
    assert second["thread_ts"] == first["ts"]
    assert slack.bot.asked[-1][0] == "Can I copy an email to another councillor? What if the clerk asks me to?"


def test_chatter_in_a_thread_the_bot_never_answered_is_left_alone(slack: Slack) -> None:
    slack.event(message("Lunch at one?", thread_ts="1600000000.000002"))
    slack.event(message("Lunch at one?"))
    slack.event(mention("Can I copy an email?"))  # a later question, to know the earlier ones were processed
    slack.posts()
    assert [q for q, _ in slack.bot.asked] == ["Can I copy an email?"]


def test_just_a_mention_gets_a_polite_prompt_and_the_thread_then_answers_without_one(slack: Slack) -> None:
    bare = mention("")
    slack.event(bare)
    assert slack.posts()[0]["text"] == messages.EMPTY_QUESTION
    slack.event(message("Can I copy an email?", thread_ts=bare["ts"]))
    assert "CORRESPONDENCE" in rendered(slack.posts(2)[1])
    assert slack.bot.asked == [("Can I copy an email?", None)]


def test_a_question_the_protocols_do_not_cover_gets_the_plain_out_of_scope_reply(slack: Slack) -> None:
    slack.event(mention("What's the weather tomorrow?"))
    [post] = slack.posts()
    assert post["text"] == messages.OUT_OF_SCOPE and "blocks" not in post


def test_mentions_in_a_question_never_reach_slack_live(slack: Slack) -> None:
    hostile = "<!channel> <!here> can I copy an email to <@U0BOSS> and <!subteam^S0TEAM|@councillors> in <#C0ALL|all>?"
    slack.event(mention(hostile))
    slack.posts()
    assert slack.command(hostile)[0] == 200
    [private] = slack.fake.wait_for("response_url")
    assert "@channel" in slack.bot.asked[0][0]  # the words reach the bot…
    everything = " ".join(rendered(c.payload) for c in slack.fake.calls)
    for markup in LIVE_MARKUP:  # …but nothing Slack would turn into a ping goes back out
        assert markup not in everything
    assert "@channel" not in everything and "@here" not in everything
    assert "@\u2060channel" in rendered(private)


def test_the_bots_own_messages_and_other_bots_are_ignored(slack: Slack) -> None:
    first = mention("Can I copy an email?")
    slack.event(first)
    slack.posts()
    slack.event(message("Here is what the protocols say:", thread_ts=first["ts"], user=BOT_USER_ID, bot_id=BOT_ID))
    slack.event(message("beep", channel="D0ALICE", channel_type="im", bot_id="B0OTHER", subtype="bot_message"))
    slack.event(mention("Another bot asks", user="U0OTHERBOT") | {"bot_id": "B0OTHER"})
    slack.event(message("Can I give instructions?", channel="D0ALICE", channel_type="im"))  # a later question
    slack.posts(2)
    assert [q for q, _ in slack.bot.asked] == ["Can I copy an email?", "Can I give instructions?"]


def test_a_retried_event_does_not_produce_a_second_answer(slack: Slack) -> None:
    event = mention("Can I copy an email?")
    body = json.dumps(event_body(event, "Ev-retried"))
    assert slack.post(body, "application/json")[0] == 200
    slack.posts()
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert slack.post(body, "application/json", headers=retry)[0] == 200
    # the same message also arrives as a plain channel message event
    slack.event(message(event["text"], ts=event["ts"]))
    slack.event(mention("Can I give instructions?"))  # a later question
    slack.posts(2)
    assert [q for q, _ in slack.bot.asked] == ["Can I copy an email?", "Can I give instructions?"]
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


def test_a_failure_inside_answering_gives_an_apology_in_the_thread_and_logs_the_traceback(
    start: Callable[..., Slack], caplog: pytest.LogCaptureFixture
) -> None:
    slack = start(FakeProtocolBot(fail_with=RuntimeError("index exploded")))
    event = mention("Can I copy an email?")
    with caplog.at_level(logging.ERROR):
        slack.event(event)
        [post] = slack.posts()
    assert post["text"] == messages.ERROR_APOLOGY and post["thread_ts"] == event["ts"]
    assert any(r.exc_info and "index exploded" in str(r.exc_info[1]) for r in caplog.records)


def test_a_protocol_bot_error_is_shown_as_it_is(start: Callable[..., Slack]) -> None:
    slack = start(FakeProtocolBot(fail_with=IndexUnavailable(messages.INDEX_MISSING)))
    slack.event(mention("Can I copy an email?"))
    assert slack.posts()[0]["text"] == escape(messages.INDEX_MISSING)


def test_an_answer_slack_refuses_is_replaced_by_an_apology(slack: Slack) -> None:
    slack.fake.refuse("chat.postMessage", lambda payload: "invalid_blocks" if payload.get("blocks") else None)
    slack.event(mention("Can I copy an email?"))
    assert slack.posts(2)[1]["text"] == messages.ERROR_APOLOGY


# --- request verification --------------------------------------------------------------------------


def test_a_forged_or_missing_signature_is_rejected_with_401(slack: Slack) -> None:
    body = json.dumps(event_body(mention("Can I copy an email?"), "Ev-forged"))
    assert slack.post(body, "application/json", signature="v0=" + "0" * 64)[0] == 401
    assert slack.post(body, "application/json", headers={"X-Slack-Signature": ""})[0] == 401
    assert slack.bot.asked == []


def test_a_request_older_than_five_minutes_is_rejected_with_401(slack: Slack) -> None:
    body = json.dumps(event_body(mention("Can I copy an email?"), "Ev-stale"))
    assert slack.post(body, "application/json", timestamp=int(time.time()) - 6 * 60)[0] == 401
    assert slack.bot.asked == []


# --- /protocol ---------------------------------------------------------------------------------------


def test_the_slash_command_acks_before_answering_then_answers_privately_with_a_share_button(
    start: Callable[..., Slack]
) -> None:
    bot = GatedBot()
    slack = start(bot)
    status, body = slack.command("Can I copy an email?")
    assert (status, body) == (200, "")  # acknowledged while the answer is still being worked out
    assert slack.fake.calls_to("response_url") == []
    bot.answering.set()
    [reply] = slack.fake.wait_for("response_url")
    assert reply["response_type"] == "ephemeral"
    assert "*Question:* Can I copy an email?" in rendered(reply)
    assert "protocol_share" in buttons(reply["blocks"]) and messages.SLACK_SHARE in rendered(reply)


def test_sharing_a_private_answer_posts_it_in_the_channel_and_removes_the_private_copy(slack: Slack) -> None:
    slack.command("Can I copy an email?")
    [reply] = slack.fake.wait_for("response_url")
    [answer_id] = buttons(reply["blocks"])["protocol_share"]
    name = slack.click("protocol_share", answer_id)
    shared, deleted = slack.responses(name, 2)
    assert shared["response_type"] == "in_channel" and "CORRESPONDENCE" in rendered(shared)
    assert f"<@{USER}> shared this answer to: Can I copy an email?" in rendered(shared)
    assert "protocol_share" not in buttons(shared["blocks"])
    assert deleted["delete_original"] is True


def test_show_full_clause_replies_privately_in_the_thread_with_the_whole_clause(slack: Slack) -> None:
    event = mention("Can I copy an email?")
    slack.event(event)
    [post] = slack.posts()
    first_clause = buttons(post["blocks"])["protocol_show_clause"][0]
    name = slack.click("protocol_show_clause", first_clause, message={"ts": "1", "thread_ts": event["ts"]})
    [reply] = slack.responses(name)
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert reply["thread_ts"] == event["ts"]
    assert escape(COPY_EMAIL.text) in rendered(reply)


def test_a_button_on_an_answer_from_before_a_restart_says_to_ask_again(slack: Slack) -> None:
    [reply] = slack.responses(slack.click("protocol_show_clause", "0123abcd:0"))
    assert reply["text"] == messages.ANSWER_EXPIRED


def test_help_lists_how_to_ask_the_documents_and_example_questions(slack: Slack) -> None:
    text = rendered(slack.command_reply("help"))
    assert "Ilminster Town Council — Councillor-Officer Protocol" in text
    assert messages.EXAMPLE_QUESTIONS[0] in text


def test_an_empty_slash_command_gets_a_polite_prompt(slack: Slack) -> None:
    assert slack.command_reply("  ")["text"] == messages.EMPTY_QUESTION


def test_opening_the_app_home_shows_the_documents_and_example_questions(slack: Slack) -> None:
    slack.event({"type": "app_home_opened", "user": USER, "channel": "D0ALICE", "tab": "home", "event_ts": _ts()})
    [published] = slack.fake.wait_for("views.publish")
    assert published["user_id"] == USER and published["view"]["type"] == "home"
    assert "Adopted 17 January 2023 · review due July 2028" in rendered(published)
    assert messages.EXAMPLE_QUESTIONS[1] in rendered(published)


# --- agent messaging ---------------------------------------------------------------------------------


def test_opening_the_agent_suggests_the_example_questions(slack: Slack) -> None:
    thread = _ts()
    slack.event({"type": "assistant_thread_started", "event_ts": _ts(), "assistant_thread": {
        "user_id": USER, "channel_id": "D0ALICE", "thread_ts": thread,
        "context": {"channel_id": CHANNEL, "team_id": TEAM_ID}}})

    [suggested] = slack.fake.wait_for("assistant.threads.setSuggestedPrompts")
    assert (suggested["channel_id"], suggested["thread_ts"]) == ("D0ALICE", thread)
    prompts = suggested["prompts"] if isinstance(suggested["prompts"], list) else json.loads(suggested["prompts"])
    assert [p["message"] for p in prompts] == list(messages.EXAMPLE_QUESTIONS) and len(prompts) <= 4
    assert all(p["title"] for p in prompts)


def test_a_question_in_an_agent_thread_shows_a_status_then_is_answered_in_that_thread(slack: Slack) -> None:
    thread = _ts()
    slack.event(message("Can I copy an email?", channel="D0ALICE", channel_type="im", thread_ts=thread))

    [post] = slack.posts()
    [status] = slack.fake.calls_to("assistant.threads.setStatus")
    assert (status["channel_id"], status["thread_ts"], status["status"]) == ("D0ALICE", thread,
                                                                             messages.SLACK_STATUS_ANSWERING)
    methods = [call.method for call in slack.fake.calls]
    assert methods.index("assistant.threads.setStatus") < methods.index("chat.postMessage")
    assert post["thread_ts"] == thread and "CORRESPONDENCE" in rendered(post)


def test_a_channel_changing_beside_the_agent_is_acknowledged_and_changes_nothing(slack: Slack) -> None:
    status, _ = slack.event({"type": "assistant_thread_context_changed", "event_ts": _ts(), "assistant_thread": {
        "user_id": USER, "channel_id": "D0ALICE", "thread_ts": _ts(),
        "context": {"channel_id": "C0OTHER", "team_id": TEAM_ID}}})

    assert status == 200
    assert [call.method for call in slack.fake.calls if call.method != "auth.test"] == []


# --- feedback ----------------------------------------------------------------------------------------


def _answered(slack: Slack) -> dict[str, Any]:
    event = mention("Can I copy an email?")
    slack.event(event)
    return slack.posts()[0]


def test_thumbs_up_in_slacks_feedback_buttons_is_stored_as_helpful_and_gives_way_to_thanks(slack: Slack) -> None:
    post = _answered(slack)
    name = slack.vote(post["blocks"], True, message={"ts": "1", "thread_ts": post["thread_ts"], "blocks": post["blocks"]})
    [entry] = slack.store.recent()
    assert (entry.platform, entry.user, entry.question, entry.helpful) == ("slack", USER, "Can I copy an email?", True)
    assert [(c.source, c.clause) for c in entry.citations] == [
        ("000_071d258fd975c70b.txt", None), ("004_fbcb302b638d596d.txt", "20")
    ]
    [replaced] = slack.responses(name)
    assert replaced["replace_original"] is True
    assert "context_actions" not in [block["type"] for block in replaced["blocks"]]
    assert "protocol_show_clause" in buttons(replaced["blocks"])  # the answer itself stays readable
    assert messages.FEEDBACK_THANKS in rendered(replaced)


def test_thumbs_up_on_a_private_answer_replaces_its_buttons_and_keeps_share(slack: Slack) -> None:
    answer = slack.command_reply("Can I copy an email?")
    [replaced] = slack.responses(slack.vote(answer["blocks"], True))
    assert set(buttons(replaced["blocks"])) == {"protocol_show_clause", "protocol_share"}
    assert messages.FEEDBACK_THANKS in rendered(replaced)


def test_thumbs_down_is_stored_and_asks_what_was_wrong_in_a_modal(slack: Slack) -> None:
    post = _answered(slack)
    slack.vote(post["blocks"], False, message={"ts": "1", "thread_ts": post["thread_ts"]})
    [entry] = slack.store.recent()
    assert entry.helpful is False and entry.comment is None
    [opened] = slack.fake.wait_for("views.open")
    assert opened["trigger_id"].startswith("trigger-") and opened["view"]["type"] == "modal"
    view = opened["view"] | {
        "id": "V0MODAL",
        "state": {"values": {"comment": {"comment": {"type": "plain_text_input", "value": " Wrong clause cited "}}}},
    }
    status, _ = slack.interact({"type": "view_submission", "user": {"id": USER}, "team": {"id": TEAM_ID},
                                "api_app_id": "A0APP", "view": view})
    assert status == 200
    assert slack.store.recent()[0].comment == "Wrong clause cited"
    assert [t.clause for t in slack.store.most_unhelpful()] == [None, "20"]


def test_an_admins_thumbs_down_can_pick_the_clause_that_answers_and_correct_the_answer(slack: Slack) -> None:
    event = mention("Can I copy an email?", user=ADMIN)
    slack.event(event)
    post = slack.posts()[0]
    slack.vote(post["blocks"], False, message={"ts": "1", "thread_ts": post["thread_ts"]}, user=ADMIN)
    [opened] = slack.fake.wait_for("views.open")
    [select] = [b for b in opened["view"]["blocks"] if b["block_id"] == "teach"]
    options = select["element"]["options"]
    assert options[-1]["value"] == "not_covered" and all(len(o["text"]["text"]) <= 75 for o in options)
    view = opened["view"] | {"id": "V0MODAL", "state": {"values": {
        "teach": {"teach": {"type": "static_select", "selected_option": options[1]}},
        "comment": {"comment": {"type": "plain_text_input", "value": None}}}}}
    status, _ = slack.interact({"type": "view_submission", "user": {"id": ADMIN}, "team": {"id": TEAM_ID},
                                "api_app_id": "A0APP", "view": view})
    assert status == 200
    [told] = slack.fake.wait_for("chat.postEphemeral")
    assert told["user"] == ADMIN and told["text"].startswith("Taught:")
    assert slack.bot.taught[0].question == "Can I copy an email?"


def test_a_councillors_thumbs_down_asks_only_what_was_wrong(slack: Slack) -> None:
    post = _answered(slack)
    slack.vote(post["blocks"], False, message={"ts": "1", "thread_ts": post["thread_ts"]})
    [opened] = slack.fake.wait_for("views.open")
    assert [b["block_id"] for b in opened["view"]["blocks"]] == ["comment"]


def test_a_classic_thumbs_up_on_an_answer_posted_before_feedback_buttons_still_counts(slack: Slack) -> None:
    post = _answered(slack)
    answer_id = feedback_values(post["blocks"])[True].partition(":")[2]

    slack.click("protocol_helpful", answer_id, message={"ts": "1", "thread_ts": post["thread_ts"], "blocks": []})

    [entry] = slack.store.recent()
    assert (entry.question, entry.helpful) == ("Can I copy an email?", True)


def test_a_forged_feedback_value_is_not_stored(slack: Slack) -> None:
    post = _answered(slack)

    slack.click("protocol_feedback_buttons", "very-helpful:everything", kind="feedback_buttons",
                message={"ts": "1", "thread_ts": post["thread_ts"]})

    assert slack.store.recent() == []


# --- admins ------------------------------------------------------------------------------------------


def test_a_non_admin_cannot_reindex_or_see_the_status(slack: Slack) -> None:
    for verb in ("reindex", "status"):
        assert slack.command_reply(verb, user=USER)["text"] == messages.ADMIN_ONLY.format(command=verb)
    assert slack.bot.reindexed == 0 and slack.fake.calls_to("chat.postMessage") == []


def test_an_admin_reindex_runs_in_the_background_and_reports_back_in_the_channel(start: Callable[..., Slack]) -> None:
    bot = GatedBot(answering=True)
    slack = start(bot)
    assert slack.command_reply("reindex", user=ADMIN)["text"] == messages.REINDEX_STARTED
    assert slack.command_reply("reindex", user=ADMIN)["text"] == messages.REINDEX_BUSY
    slack.event(mention("Can I copy an email?"))
    [answer] = slack.posts()  # answered while the reindex is still running
    assert "CORRESPONDENCE" in rendered(answer) and bot.reindexed == 0
    bot.reindexing.set()
    report = slack.posts(2)[1]
    assert report["channel"] == CHANNEL
    assert report["text"] == messages.REINDEX_DONE.format(version="v-test-2")
    assert "2 documents, 160 clauses; no changes." in rendered(report)
    assert bot.reindexed == 1


def test_a_failed_reindex_is_reported_with_the_reason_and_the_old_index_kept(start: Callable[..., Slack]) -> None:
    failure = messages.REINDEX_FAILED.format(reason="notes.txt: the document has no text.")
    slack = start(FakeProtocolBot(reindex_fails_with=ReindexFailed(failure)))
    slack.command("reindex", user=ADMIN)
    assert slack.posts()[0]["text"] == failure


def test_a_reindex_report_goes_privately_to_the_admin_when_the_bot_cannot_post_in_the_channel(slack: Slack) -> None:
    slack.fake.refuse("chat.postMessage", lambda p: "not_in_channel" if p.get("channel") == "C0PRIVATE" else None)
    slack.command("reindex", user=ADMIN, channel="C0PRIVATE")
    started, report = slack.responses(slack.last_command, 2)
    assert started["text"] == messages.REINDEX_STARTED
    assert report["text"] == messages.REINDEX_DONE.format(version="v-test-2")


def test_admin_status_shows_the_index_version_documents_with_clause_counts_and_build_time(slack: Slack) -> None:
    text = rendered(slack.command_reply("status", user=ADMIN))
    assert "Index v-test, built 2026-11-23T20:00:00+00:00" in text
    assert "Ilminster Town Council — Councillor-Officer Protocol: 120 clauses" in text
    assert "Member / Officer Protocol (Code of Conduct): 40 clauses" in text


# --- Socket Mode -------------------------------------------------------------------------------------


def test_socket_mode_answers_a_mention_received_over_the_websocket(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    store = SqlFeedbackStore(tmp_path / "feedback.sqlite3")
    config = SlackConfig(bot_token="xoxb-test", app_token="xapp-test", api_url=fake.api_url)
    handler = socket_mode_handler(build_app(conversation(FakeProtocolBot(), store), config), "xapp-test")
    try:
        handler.connect()
        event = mention("Can I copy an email?")
        fake.send_envelope({"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                            "payload": event_body(event, "Ev-socket")})
        [post] = fake.wait_for("chat.postMessage")
        assert post["thread_ts"] == event["ts"] and "CORRESPONDENCE" in rendered(post)
        assert {"envelope_id": "env-1"}.items() <= fake.wait_for("socket_ack")[0].items()
        assert fake.calls_to("apps.connections.open")
    finally:
        handler.close()
        store.close()
        fake.stop()
