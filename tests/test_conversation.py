"""The conversation rules every platform shares (bot/conversation.py), over a fake core."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from bot import messages
from bot.errors import DeliveryDeferred, IndexUnavailable
from bot.service.conversation import (
    PENDING_AFTER_SECONDS,
    AnswerReply,
    Conversation,
    HelpReply,
    Message,
    Place,
    ReindexReply,
    ReportReply,
    TextReply,
)
from bot.service.reindex_runner import ReindexOutcome
from bot.service.scopes import Scopes
from bot.stores.conversation import CLAIM_SECONDS, DAY, MAX_ATTEMPTS, ConversationState
from bot.stores.feedback import FeedbackStore
from bot.stores.sql_conversation import SqlConversationState
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.fakes import FakeProtocolBot

ADMIN = "U-ADMIN"
THREAD = Place("slack", "C1", thread="100.1")
CHAT = Place("teams", "a:personal")
CHANNEL = Place("slack", "C1")  # a channel's /protocol: no thread


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _conversation(core: FakeProtocolBot, state: ConversationState, feedback: FeedbackStore) -> Conversation:
    return Conversation(core, admins=frozenset({ADMIN}), scopes=Scopes(), feedback=feedback, state=state)


@pytest.fixture
def feedback() -> FeedbackStore:
    return SqlFeedbackStore(":memory:")


@pytest.fixture
def core() -> FakeProtocolBot:
    return FakeProtocolBot()


@pytest.fixture
def talk(core: FakeProtocolBot, feedback: FeedbackStore) -> Conversation:
    return _conversation(core, SqlConversationState(":memory:"), feedback)


def said(talk: Conversation, text: str, place: Place = CHAT, user: str = "U1", **kw: object) -> object:
    return talk.handle(Message(place, user, text, **kw), lambda outcome: None)  # type: ignore[arg-type]


def test_a_question_is_answered_with_an_answer_to_find_again_by_its_id(talk: Conversation) -> None:
    reply = said(talk, "Can I copy an email?")
    assert isinstance(reply, AnswerReply) and reply.answer.citations
    assert talk.answer(reply.answer_id) == reply.answer


@pytest.mark.parametrize("text", ["help", "Help!", " HELP. "])
def test_help_in_any_case_and_punctuation_is_the_help_command(talk: Conversation, text: str) -> None:
    reply = said(talk, text)
    assert isinstance(reply, HelpReply) and not reply.admin and reply.documents


@pytest.mark.parametrize("command", ["status", "reindex"])
def test_admin_commands_are_refused_to_anyone_else(talk: Conversation, core: FakeProtocolBot, command: str) -> None:
    assert said(talk, command) == TextReply(messages.ADMIN_ONLY.format(command=command))
    assert core.reindexed == 0


def test_an_admin_gets_the_status_report_and_can_reindex(talk: Conversation, core: FakeProtocolBot) -> None:
    status = said(talk, "status", user=ADMIN)
    assert isinstance(status, ReportReply) and "v-test" in status.text
    reports: list[ReindexOutcome] = []
    assert talk.handle(Message(CHAT, ADMIN, "reindex"), reports.append) == ReindexReply(started=True)
    talk.drain()
    assert core.reindexed == 1 and "v-test-2" in reports[0].headline


def test_a_sentence_that_mentions_a_command_word_is_a_question(talk: Conversation) -> None:
    assert isinstance(said(talk, "what is the status of an officer's advice?"), AnswerReply)


def test_in_a_thread_every_later_message_keeps_the_threads_first_question(talk: Conversation, core: FakeProtocolBot) -> None:
    said(talk, "Can I copy an email?", THREAD)
    said(talk, "what about to officers in another council, is that different in any way?", THREAD, user="U2")
    assert core.asked[-1][0] == ("Can I copy an email? "
                                 "what about to officers in another council, is that different in any way?")


def test_in_a_chat_a_follow_up_keeps_the_last_question_and_a_new_question_starts_afresh(
    talk: Conversation, core: FakeProtocolBot
) -> None:
    said(talk, "Can I copy an email?")
    said(talk, "what about officers?")
    said(talk, "Should councillors and officers become close friends?")
    said(talk, "and the clerk?")
    assert [q for q, _ in core.asked] == [
        "Can I copy an email?",
        "Can I copy an email? what about officers?",
        "Should councillors and officers become close friends?",
        "Should councillors and officers become close friends? and the clerk?",
    ]


def test_in_a_chat_a_short_question_of_its_own_starts_afresh_and_one_pointing_back_carries_on(
    talk: Conversation, core: FakeProtocolBot
) -> None:
    said(talk, "Can I copy an email?")
    said(talk, "who decides that?")
    said(talk, "can officers be friends?")
    said(talk, "even online?")
    assert [q for q, _ in core.asked] == [
        "Can I copy an email?",
        "Can I copy an email? who decides that?",
        "can officers be friends?",
        "can officers be friends? even online?",
    ]


def test_outside_threads_each_persons_topic_is_their_own(talk: Conversation, core: FakeProtocolBot) -> None:
    said(talk, "Can I copy an email?", CHANNEL, user="U1")
    said(talk, "and officers?", CHANNEL, user="U2")
    assert core.asked[-1][0] == "and officers?"


def test_a_message_nobody_addressed_is_answered_only_in_a_thread_the_bot_is_in(talk: Conversation) -> None:
    assert said(talk, "Lunch at one?", Place("slack", "C1", thread="200.1"), addressed=False) is None
    said(talk, "Can I copy an email?", THREAD)
    assert isinstance(said(talk, "and officers?", THREAD, addressed=False), AnswerReply)


def test_an_empty_message_gets_a_prompt_and_makes_the_thread_the_bots(talk: Conversation, core: FakeProtocolBot) -> None:
    assert said(talk, "   ", THREAD) == TextReply(messages.EMPTY_QUESTION)
    said(talk, "Can I copy an email?", THREAD, addressed=False)
    assert core.asked == [("Can I copy an email?", None)]


def test_thanks_in_the_bots_thread_does_not_bring_its_answer_back(talk: Conversation, core: FakeProtocolBot) -> None:
    said(talk, "Can I copy an email?", THREAD)
    assert said(talk, "thanks, that's really helpful", THREAD, user="U2", addressed=False) is None
    assert said(talk, "👍", THREAD, user="U2", addressed=False) is None
    assert said(talk, "cheers", THREAD) == TextReply(messages.SMALL_TALK_THANKS)
    assert core.asked == [("Can I copy an email?", None)]


def test_in_a_chat_thanks_is_acknowledged_and_the_next_follow_up_still_keeps_the_topic(
    talk: Conversation, core: FakeProtocolBot
) -> None:
    assert said(talk, "hello") == TextReply(messages.SMALL_TALK_GREETING)
    said(talk, "Can I copy an email?")
    assert said(talk, "ok thanks") == TextReply(messages.SMALL_TALK_THANKS)
    said(talk, "what about officers?")
    assert [q for q, _ in core.asked] == ["Can I copy an email?", "Can I copy an email? what about officers?"]


def test_saying_an_answer_missed_gets_an_apology_and_a_way_on_not_the_same_answer_again(
    talk: Conversation, core: FakeProtocolBot
) -> None:
    said(talk, "Can I copy an email?")
    assert said(talk, "no, that's not what I asked") == TextReply(messages.SMALL_TALK_NOT_HELPED)
    said(talk, "Can I copy an email?", THREAD)
    assert said(talk, "wrong clause", THREAD, user="U2", addressed=False) is None
    assert len(core.asked) == 2


def test_a_greeting_with_a_question_is_a_question(talk: Conversation) -> None:
    assert isinstance(said(talk, "hi there, can I copy an email?"), AnswerReply)


class Platform:
    """Collects what a front end would deliver; can refuse for a while, as an outage does."""

    def __init__(self) -> None:
        self.delivered: list[tuple[object, dict[str, object]]] = []
        self.down = False

    def deliver(self, reply: object, delivery: dict[str, object]) -> None:
        if self.down:
            raise DeliveryDeferred("503 from the platform")
        self.delivered.append((reply, delivery))


def test_the_same_message_delivered_twice_is_kept_and_answered_once(talk: Conversation, core: FakeProtocolBot) -> None:
    platform = Platform()
    message = Message(CHAT, "U1", "Can I copy an email?", id="m-1")
    assert talk.take(message, {"to": "chat"}) is True
    assert talk.take(message, {"to": "chat"}) is False
    talk.work("teams", "m-1", platform.deliver)
    talk.work("teams", "m-1", platform.deliver)
    assert len(core.asked) == 1 and len(platform.delivered) == 1
    reply, delivery = platform.delivered[0]
    assert isinstance(reply, AnswerReply) and delivery == {"to": "chat"}


def test_a_message_nobody_addressed_outside_the_bots_threads_is_not_even_kept(talk: Conversation) -> None:
    assert talk.take(Message(Place("slack", "C1", thread="9.9"), "U1", "Lunch?", id="m-2", addressed=False), {}) is False


def test_a_message_kept_before_a_crash_is_answered_after_the_restart(tmp_path: Path, core: FakeProtocolBot) -> None:
    clock, path = Clock(), tmp_path / "feedback.sqlite3"
    before = _conversation(core, SqlConversationState(path, clock=clock), SqlFeedbackStore(path))
    before.take(Message(THREAD, "U1", "Can I copy an email?", id="m-1"), {"channel": "C1"})
    # killed here, before working it; a new process starts
    after = _conversation(core, SqlConversationState(path, clock=clock), SqlFeedbackStore(path))
    clock.now += PENDING_AFTER_SECONDS
    assert after.pending("slack") == ["m-1"]
    platform = Platform()
    after.work("slack", "m-1", platform.deliver)
    assert [type(reply) for reply, _ in platform.delivered] == [AnswerReply]
    assert after.pending("slack") == []


class WatchedState(SqlConversationState):
    """The store, noting when (on the store's clock) each claim was renewed, so a test can wait for a renewal."""

    def __init__(self, path: Path, clock: Clock) -> None:
        super().__init__(path, clock=clock)
        self.clock = clock
        self.renewed = threading.Condition()
        self.last_renewal = 0.0

    def renew(self, message_id: str, claim: str) -> bool:
        at = self.clock.now  # read first: the store renews at this time or later
        held = super().renew(message_id, claim)
        with self.renewed:
            self.last_renewal = at
            self.renewed.notify_all()
        return held

    def renewal_at(self, at: float) -> None:
        with self.renewed:
            self.renewed.wait_for(lambda: self.last_renewal >= at, timeout=2)


class SlowPlatform(Platform):
    """Keeps the worker delivering a reply waiting, as a long rate limit or Teams' retries do."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting, self.go = threading.Event(), threading.Event()

    def deliver(self, reply: object, delivery: dict[str, object]) -> None:
        self.waiting.set()
        self.go.wait(60)
        super().deliver(reply, delivery)


def test_a_question_a_live_worker_holds_longer_than_the_claim_time_is_not_answered_again_by_another_replica(
    tmp_path: Path, core: FakeProtocolBot
) -> None:
    clock, path = Clock(), tmp_path / "state.sqlite3"
    state = WatchedState(path, clock)
    working = Conversation(core, admins=frozenset(), scopes=Scopes(), feedback=SqlFeedbackStore(path), state=state,
                           renew_seconds=0.01)
    replica = _conversation(core, SqlConversationState(path, clock=clock), SqlFeedbackStore(path))
    working.take(Message(THREAD, "U1", "Can I copy an email?", id="m-1"), {})
    slow, elsewhere = SlowPlatform(), Platform()
    worker = threading.Thread(target=working.work, args=("slack", "m-1", slow.deliver))
    worker.start()
    try:
        assert slow.waiting.wait(5)
        for _ in range(6):  # three claim times, half a claim time at a go
            clock.now += CLAIM_SECONDS / 2
            state.renewal_at(clock.now)
            assert replica.pending("slack") == []
            replica.work("slack", "m-1", elsewhere.deliver)
            assert slow.delivered == []  # the first worker is still waiting on its platform
    finally:
        slow.go.set()
        worker.join(10)
    assert elsewhere.delivered == [] and [type(reply) for reply, _ in slow.delivered] == [AnswerReply]
    assert len(core.asked) == 1
    clock.now += 2 * CLAIM_SECONDS  # the worker is done: nothing is left for anyone to answer
    assert replica.pending("slack") == []


def test_a_reply_the_platform_cannot_take_now_is_delivered_later_asking_the_same(
    core: FakeProtocolBot, feedback: FeedbackStore
) -> None:
    clock = Clock()
    talk = _conversation(core, SqlConversationState(":memory:", clock=clock), feedback)
    platform = Platform()
    platform.down = True
    talk.take(Message(THREAD, "U1", "Can I copy an email?", id="m-1"), {})
    talk.work("slack", "m-1", platform.deliver)
    assert platform.delivered == []
    talk.take(Message(THREAD, "U2", "and officers?", id="m-2"), {})  # the thread moves on meanwhile
    clock.now += PENDING_AFTER_SECONDS
    platform.down = False
    for pending in talk.pending("slack"):
        talk.work("slack", pending, platform.deliver)
    assert [q for q, _ in core.asked] == ["Can I copy an email?", "Can I copy an email?",
                                         "Can I copy an email? and officers?"]
    assert len(platform.delivered) == 2 and talk.pending("slack") == []


def test_a_message_whose_reply_never_gets_through_is_given_up_and_logged(
    talk: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    platform = Platform()
    platform.down = True
    talk.take(Message(CHAT, "U1", "Can I copy an email?", id="m-1"), {})
    with caplog.at_level(logging.ERROR):
        for _ in range(MAX_ATTEMPTS + 1):
            talk.work("teams", "m-1", platform.deliver)
    assert any("Giving up" in record.getMessage() for record in caplog.records)
    platform.down = False
    talk.work("teams", "m-1", platform.deliver)
    assert platform.delivered == []


class ReadBack:
    """What a platform answers when asked whether a reply is already in its conversation."""

    def __init__(self, *answers: bool | Exception) -> None:
        self.answers = list(answers)
        self.asked = 0

    def delivered(self, delivery: dict[str, object]) -> bool:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_message_taken_up_again_is_first_looked_for_and_left_for_later_while_the_platform_cannot_be_read(
    talk: Conversation, core: FakeProtocolBot
) -> None:
    platform, read_back = Platform(), ReadBack(DeliveryDeferred("429 from the platform"), False)
    platform.down = True
    talk.take(Message(CHAT, "U1", "Can I copy an email?", id="m-1"), {})
    talk.work("teams", "m-1", platform.deliver, read_back.delivered)
    assert read_back.asked == 0  # taken up for the first time: nobody can have replied yet
    platform.down = False
    talk.work("teams", "m-1", platform.deliver, read_back.delivered)
    assert read_back.asked == 1 and platform.delivered == [] and len(core.asked) == 1
    talk.work("teams", "m-1", platform.deliver, read_back.delivered)
    assert read_back.asked == 2 and len(platform.delivered) == 1


@pytest.mark.parametrize("answer", [True, RuntimeError("missing_scope")], ids=["found", "cannot read"])
def test_a_message_taken_up_again_is_answered_unless_its_reply_is_found(
    talk: Conversation, core: FakeProtocolBot, answer: bool | Exception
) -> None:
    """A reply found is not sent again; a platform that will not be read gets the reply again rather than none."""
    platform, read_back = Platform(), ReadBack(answer)
    platform.down = True
    talk.take(Message(CHAT, "U1", "Can I copy an email?", id="m-1"), {})
    talk.work("teams", "m-1", platform.deliver, read_back.delivered)
    platform.down = False
    talk.work("teams", "m-1", platform.deliver, read_back.delivered)
    assert len(platform.delivered) == (0 if answer is True else 1)
    talk.work("teams", "m-1", platform.deliver, read_back.delivered)
    assert read_back.asked == 1 and len(core.asked) == (1 if answer is True else 2)


def test_a_core_error_is_said_as_written_and_anything_else_is_an_apology_with_the_traceback_logged(
    feedback: FeedbackStore, caplog: pytest.LogCaptureFixture
) -> None:
    known = _conversation(FakeProtocolBot(fail_with=IndexUnavailable(messages.INDEX_MISSING)),
                          SqlConversationState(":memory:"), feedback)
    assert said(known, "Can I copy an email?") == TextReply(messages.INDEX_MISSING)
    broken = _conversation(FakeProtocolBot(fail_with=RuntimeError("disk on fire")), SqlConversationState(":memory:"),
                           feedback)
    with caplog.at_level(logging.ERROR):
        assert said(broken, "Can I copy an email?") == TextReply(messages.ERROR_APOLOGY)
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_a_vote_is_recorded_with_the_question_and_cited_clauses(talk: Conversation, feedback: FeedbackStore) -> None:
    reply = said(talk, "Can I copy an email?")
    assert isinstance(reply, AnswerReply)
    voted = talk.vote(CHAT, "U1", reply.answer_id, helpful=False)
    assert voted is not None and voted[0] == reply.answer
    talk.comment(voted[1], "  It missed the bcc rule. ")
    (entry,) = feedback.recent()
    assert (entry.platform, entry.user, entry.helpful, entry.comment) == ("teams", "U1", False, "It missed the bcc rule.")
    assert talk.vote(CHAT, "U1", "no-such-answer", helpful=True) is None


def test_answers_and_topics_survive_a_restart_and_a_second_process(tmp_path: Path, core: FakeProtocolBot) -> None:
    path = tmp_path / "feedback.sqlite3"
    first = _conversation(core, SqlConversationState(path), SqlFeedbackStore(path))
    message = Message(THREAD, "U1", "Can I copy an email?", id="m-1")
    first.take(message, {})
    platform = Platform()
    first.work("slack", "m-1", platform.deliver)
    (reply, _), = platform.delivered
    assert isinstance(reply, AnswerReply)
    second = _conversation(core, SqlConversationState(path), SqlFeedbackStore(path))
    assert second.answer(reply.answer_id) == reply.answer
    assert second.take(message, {}) is False  # already answered by the first
    said(second, "and officers?", THREAD, addressed=False)
    assert core.asked[-1][0] == "Can I copy an email? and officers?"


def test_remembered_answers_expire_after_thirty_days() -> None:
    clock = Clock()
    state = SqlConversationState(":memory:", clock=clock)
    talk = _conversation(FakeProtocolBot(), state, SqlFeedbackStore(":memory:"))
    reply = said(talk, "Can I copy an email?")
    assert isinstance(reply, AnswerReply)
    clock.now += 29 * DAY
    assert talk.answer(reply.answer_id) is not None
    clock.now += 2 * DAY
    assert talk.answer(reply.answer_id) is None


def test_the_inbox_keeps_no_more_rows_than_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.stores.sql_conversation as module

    monkeypatch.setitem(module.LIMITS, "inbox", (50, 2 * DAY))
    state = SqlConversationState(":memory:")
    for n in range(500):
        state.accept(f"m-{n}", "slack", {})
    assert state.accept("m-499", "slack", {}) is False  # the newest are kept
    assert state.accept("m-0", "slack", {}) is True  # the oldest were let go


def test_an_admin_corrects_an_answer_to_one_of_its_nearest_clauses_or_to_not_covered(
    talk: Conversation, core: FakeProtocolBot
) -> None:
    reply = said(talk, "Can I copy an email?")
    assert isinstance(reply, AnswerReply)
    assert talk.teach("U1", reply.answer_id, 1) == TextReply(messages.ADMIN_ONLY.format(command="teach"))
    done = talk.teach(ADMIN, reply.answer_id, 1)
    assert done.text.startswith("Taught:")
    (taught,) = core.taught
    second = reply.answer.nearest[1]
    assert (taught.question, taught.source, taught.clause, taught.by) == (
        "Can I copy an email?", second.source, second.clause, ADMIN)
    talk.teach(ADMIN, reply.answer_id, None)
    assert core.taught[-1].not_covered
    assert talk.teach(ADMIN, "forgotten", 0) == TextReply(messages.ANSWER_EXPIRED)
