"""Every store keeps its promises on both databases: the embedded SQLite file and PostgreSQL. Each
test runs on both, and where replicas matter, through two connections as two replicas would."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.answer import Answer, Citation
from bot.errors import CorrectionError
from bot.stores import audit, console, corrections
from bot.stores import sql_conversation as conversation_state
from bot.stores import sql_embedding_cache as embedding_cache
from bot.stores import sql_feedback as feedback
from bot.stores.audit import AuditLog, SqlAuditLog
from bot.stores.build_lock import BuildLock, LocalBuildLock, PostgresBuildLock
from bot.stores.console import ConsoleState, LastChange, MemoryConsoleState, Publishing, SqlConsoleState
from bot.stores.conversation import CLAIM_SECONDS, DAY
from bot.stores.corrections import CorrectionsStore, Record, SqlCorrections
from bot.stores.database import Database, PostgresDatabase, SqliteDatabase
from bot.stores.feedback import CitedRef
from bot.stores.file_audit import FileAuditLog
from bot.stores.file_corrections import FileCorrections
from bot.stores.file_corrections import read as read_corrections
from bot.stores.sql_conversation import SqlConversationState
from bot.stores.sql_embedding_cache import SqlEmbeddingCache
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.postgres_server import fresh_database

BACKENDS = ["sqlite", "postgresql"]
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
Opener = Callable[[], Database]


@contextmanager
def _replicas(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens a connection to one empty database each time it is called, as each replica would."""
    opened: list[Database] = []
    with ExitStack() as stack:
        if kind == "sqlite":
            path = tmp_path / "state.sqlite3"

            def open_one() -> Database:
                return SqliteDatabase(path)
        else:
            name = f"t{uuid.uuid4().hex[:16]}"
            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres_server"), name))

            def open_one() -> Database:
                return PostgresDatabase(url)

        def opener() -> Database:
            opened.append(open_one())
            return opened[-1]

        try:
            yield opener
        finally:
            for db in opened:
                db.close()


@pytest.fixture(params=BACKENDS)
def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    with _replicas(request.param, request, tmp_path) as opener:
        yield opener


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.25

    def __call__(self) -> float:
        return self.now


def _answer(question: str) -> Answer:
    cited = Citation("004.txt", "Newtown", "Protocol", "2.6", "Email", "Do not copy.", "2.6 Do not copy.", 0.8)
    return Answer(question, False, "No.", (cited,), ())


# Feedback


def test_a_vote_is_read_back_with_its_clauses_and_the_comment_added_later(replicas: Opener) -> None:
    store = SqlFeedbackStore(replicas())
    refs = (CitedRef("004.txt", "2.6", "Email"), CitedRef("001.txt", None, None))
    first = store.record(platform="slack", user="U1", question="can I copy an email?", helpful=False, citations=refs)
    second = store.record(platform="teams", user="U2", question="gifts?", helpful=True, citations=())
    store.add_comment(first, "it is about letters")
    entry = SqlFeedbackStore(replicas()).entry(first)  # another replica reads it
    assert entry is not None
    assert (entry.platform, entry.user, entry.question, entry.helpful) == ("slack", "U1", "can I copy an email?", False)
    assert (entry.comment, entry.citations) == ("it is about letters", refs)
    assert [e.id for e in store.recent(10)] == [second, first]
    assert store.entry(second + 100) is None


def test_votes_are_tallied_by_the_week_they_fall_in_starting_on_monday(replicas: Opener) -> None:
    db = replicas()
    store = SqlFeedbackStore(db)
    for at, helpful in (("2026-01-05T10:00:00+00:00", 1), ("2026-01-11T23:00:00+00:00", 0),
                        ("2026-01-12T08:00:00+00:00", 0), ("2026-01-12T09:00:00+00:00", 0)):
        db.execute('INSERT INTO feedback (at, platform, "user", question, helpful, citations)'
                   " VALUES (?, 'slack', 'U1', 'q', ?, '[]')", (at, helpful))
    assert [(w.week, w.helpful, w.unhelpful) for w in store.by_week()] == [("2026-01-12", 0, 2), ("2026-01-05", 1, 1)]


def test_the_clauses_of_unhelpful_answers_are_ranked_most_voted_down_first(replicas: Opener) -> None:
    store = SqlFeedbackStore(replicas())
    email, gifts = CitedRef("004.txt", "2.6", "Email"), CitedRef("002.txt", "5", "Gifts")
    store.record(platform="slack", user="U1", question="a", helpful=False, citations=(email, gifts))
    store.record(platform="slack", user="U1", question="b", helpful=False, citations=(gifts,))
    store.record(platform="slack", user="U1", question="c", helpful=True, citations=(email, email))
    assert [(t.source, t.unhelpful) for t in store.most_unhelpful()] == [("002.txt", 2), ("004.txt", 1)]


def test_half_an_emoji_or_a_nul_in_a_question_is_kept_as_a_replacement_character(replicas: Opener) -> None:
    store = SqlFeedbackStore(replicas())
    kept = store.record(platform="slack", user="U\x001", question="fire \ud83d?", helpful=True, citations=())
    entry = store.entry(kept)
    assert entry is not None and entry.question == "fire \ufffd?"
    assert entry.user in ("U\x001", "U\ufffd1")  # SQLite can keep a NUL; PostgreSQL cannot


# Conversation state


def test_an_answer_and_a_topic_are_found_until_they_expire(replicas: Opener) -> None:
    clock = Clock()
    state = SqlConversationState(replicas(), clock=clock)
    state.keep_answer("a1", _answer("can I copy an email?"))
    state.keep_answer("a1", _answer("can I forward an email?"))
    state.set_topic("slack:C1:T1", "gifts")
    other = SqlConversationState(replicas(), clock=clock)
    kept = other.answer("a1")
    assert kept is not None and kept.question == "can I forward an email?" and kept.citations[0].clause == "2.6"
    assert other.topic("slack:C1:T1") == "gifts"
    assert other.answer("a2") is None and other.topic("slack:C2") is None
    clock.now += 8 * DAY
    assert other.topic("slack:C1:T1") is None
    assert other.answer("a1") is not None
    clock.now += 23 * DAY
    assert other.answer("a1") is None


def test_a_message_is_kept_once_however_often_and_wherever_it_is_delivered(replicas: Opener) -> None:
    one, two = SqlConversationState(replicas()), SqlConversationState(replicas())
    assert one.accept("m1", "slack", {"text": "gifts?"}) is True
    assert two.accept("m1", "slack", {"text": "gifts?"}) is False
    assert one.accept("m1", "slack", {"text": "gifts?"}) is False


def test_of_two_replicas_claiming_a_message_only_one_gets_it_until_it_is_released(replicas: Opener) -> None:
    clock = Clock()
    one, two = SqlConversationState(replicas(), clock=clock), SqlConversationState(replicas(), clock=clock)
    one.accept("m1", "teams", {"text": "gifts?", "reply_to": ["C1", 7]})
    item = one.claim("m1")
    assert item is not None and item.payload == {"text": "gifts?", "reply_to": ["C1", 7]} and item.attempts == 1
    assert two.claim("m1") is None
    one.set_asked("m1", "what about gifts?")
    one.release("m1", item.claim)
    again = two.claim("m1")
    assert again is not None and (again.asked, again.attempts) == ("what about gifts?", 2)
    two.done("m1")
    assert one.claim("m1") is None
    assert one.accept("m1", "teams", {}) is False  # still stops a re-delivery


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_claim_time(replicas: Opener) -> None:
    clock = Clock()
    one, two = SqlConversationState(replicas(), clock=clock), SqlConversationState(replicas(), clock=clock)
    one.accept("m1", "slack", {})
    assert one.claim("m1") is not None
    clock.now += CLAIM_SECONDS - 1
    assert two.claim("m1") is None
    clock.now += 2
    assert two.claim("m1") is not None


def test_a_worker_renewing_its_claim_keeps_the_message_past_the_claim_time(replicas: Opener) -> None:
    clock = Clock()
    one, two = SqlConversationState(replicas(), clock=clock), SqlConversationState(replicas(), clock=clock)
    one.accept("m1", "slack", {})
    item = one.claim("m1")
    assert item is not None
    for _ in range(3):
        clock.now += CLAIM_SECONDS - 1
        assert one.renew("m1", item.claim) is True
        assert two.claim("m1") is None and two.pending("slack", older_than=0) == []
    clock.now += CLAIM_SECONDS + 1  # the worker stopped renewing: it died
    assert two.claim("m1") is not None


def test_a_worker_whose_claim_lapsed_can_neither_renew_nor_release_the_claim_that_took_over(replicas: Opener) -> None:
    clock = Clock()
    one, two = SqlConversationState(replicas(), clock=clock), SqlConversationState(replicas(), clock=clock)
    one.accept("m1", "slack", {})
    lapsed = one.claim("m1")
    clock.now += CLAIM_SECONDS + 1
    taken = two.claim("m1")
    assert lapsed is not None and taken is not None
    assert one.renew("m1", lapsed.claim) is False
    one.release("m1", lapsed.claim)
    assert one.claim("m1") is None  # still the second worker's
    assert two.renew("m1", taken.claim) is True
    two.done("m1")
    assert two.renew("m1", taken.claim) is False  # answered: nothing left to hold


def test_claims_racing_from_many_threads_give_the_message_to_exactly_one(replicas: Opener) -> None:
    states = [SqlConversationState(replicas()) for _ in range(2)]
    states[0].accept("m1", "slack", {})
    won: list[object] = []
    start = threading.Barrier(8)

    def race(state: SqlConversationState) -> None:
        start.wait()
        if state.claim("m1") is not None:
            won.append(state)

    threads = [threading.Thread(target=race, args=(states[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_pending_lists_unanswered_messages_nobody_works_on_oldest_first(replicas: Opener) -> None:
    clock = Clock()
    state = SqlConversationState(replicas(), clock=clock)
    for name in ("old", "answered", "working", "other-platform"):
        state.accept(name, "teams" if name == "other-platform" else "slack", {})
        clock.now += 1
    state.claim("answered")
    state.done("answered")
    state.claim("working")
    clock.now += 5
    state.accept("new", "slack", {})
    assert state.pending("slack", older_than=3) == ["old"]
    clock.now += CLAIM_SECONDS
    assert state.pending("slack", older_than=3) == ["old", "working", "new"]


def test_the_inbox_keeps_no_more_rows_than_its_bound(replicas: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(conversation_state.LIMITS, "inbox", (50, 2 * DAY))
    clock = Clock()
    state = SqlConversationState(replicas(), clock=clock)
    for n in range(300):
        clock.now += 1
        state.accept(f"m-{n}", "slack", {})
    assert state.accept("m-299", "slack", {}) is False  # the newest are kept
    assert state.accept("m-0", "slack", {}) is True  # the oldest were let go


# Console state: the one-process implementation promises the same, for one process


@pytest.fixture(params=["memory", *BACKENDS])
def console_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ConsoleState, ConsoleState]]:
    """Two views of one console state: two replicas, or (in memory) the same object twice."""
    if request.param == "memory":
        state = MemoryConsoleState()
        yield state, state
        return
    with _replicas(request.param, request, tmp_path) as opener:
        yield SqlConsoleState(opener()), SqlConsoleState(opener())


def test_wrong_guesses_sent_to_either_replica_add_up_until_the_party_signs_in(
    console_pair: tuple[ConsoleState, ConsoleState],
) -> None:
    one, two = console_pair
    assert one.wrong_guesses("clerk@10.0.0.1") == (0, 0.0)
    one.add_wrong_guess("clerk@10.0.0.1", 100.5)
    two.add_wrong_guess("clerk@10.0.0.1", 101.25)
    one.add_wrong_guess("someone@10.0.0.2", 102.0)
    assert two.wrong_guesses("clerk@10.0.0.1") == (2, 101.25)
    two.clear_wrong_guesses("clerk@10.0.0.1")
    assert one.wrong_guesses("clerk@10.0.0.1") == (0, 0.0)
    assert one.wrong_guesses("someone@10.0.0.2") == (1, 102.0)


def test_a_session_signed_out_on_one_replica_is_signed_out_on_the_other_until_its_cookie_expires(
    console_pair: tuple[ConsoleState, ConsoleState],
) -> None:
    one, two = console_pair
    one.sign_out("s1", until=1000.0, now=10.0)
    assert two.signed_out("s1") and not two.signed_out("s2")
    two.sign_out("s2", until=3000.0, now=2000.0)  # s1's cookie expired at 1000: nothing to remember
    assert one.signed_out("s2")
    assert not one.signed_out("s1")


def test_a_publish_started_on_one_replica_shows_on_the_other_until_it_ends_and_its_result_stays(
    console_pair: tuple[ConsoleState, ConsoleState],
) -> None:
    one, two = console_pair
    assert two.publishing() is None and two.last_change() is None
    one.start_publishing(Publishing("3 Dec 2026, 10:00", "clerk"))
    assert two.publishing() == Publishing("3 Dec 2026, 10:00", "clerk")
    one.end_publishing()
    one.record_change(LastChange("3 Dec 2026, 10:02", "clerk", "Published."))
    assert two.publishing() is None
    assert two.last_change() == LastChange("3 Dec 2026, 10:02", "clerk", "Published.")
    two.record_change(LastChange("3 Dec 2026, 11:00", "deputy", "Went back to version 2."))
    assert one.last_change() == LastChange("3 Dec 2026, 11:00", "deputy", "Went back to version 2.")


# The admin console's audit log: the file beside the index promises the same


@pytest.fixture(params=["file", *BACKENDS])
def audit_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[AuditLog, AuditLog]]:
    """Two replicas' views of one audit log, each timing changes by the same clock."""
    clock = [AT]
    if request.param == "file":
        path = tmp_path / "admin-audit.log"
        yield FileAuditLog(path, clock=lambda: clock[0]), FileAuditLog(path, clock=lambda: clock[0])
        return
    with _replicas(request.param, request, tmp_path) as opener:
        yield SqlAuditLog(opener(), clock=lambda: clock[0]), SqlAuditLog(opener(), clock=lambda: clock[0])


def test_changes_made_on_either_replica_are_listed_newest_first_up_to_the_limit(
    audit_pair: tuple[AuditLog, AuditLog],
) -> None:
    one, two = audit_pair
    assert one.recent() == []
    for n in range(4):
        (one if n % 2 else two).record(f"clerk {n}", f"change {n}")
    assert [(e.who, e.what) for e in one.recent(3)] == [("clerk 3", "change 3"), ("clerk 2", "change 2"),
                                                        ("clerk 1", "change 1")]
    assert two.recent(1)[0].at == "2026-03-02T09:30:00+00:00"


def test_a_name_or_description_broken_over_lines_is_kept_on_one_line(audit_pair: tuple[AuditLog, AuditLog]) -> None:
    one, two = audit_pair
    one.record("Mallory\n2026-01-01T00:00:00+00:00\tThe Mayor", "edited x.txt\u2028approved everything")
    assert [(e.who, e.what) for e in two.recent()] == [
        ("Mallory 2026-01-01T00:00:00+00:00 The Mayor", "edited x.txt approved everything")]


def test_a_file_logs_history_is_copied_into_the_database_once_and_listed_in_time_order(
    replicas: Opener, tmp_path: Path,
) -> None:
    clock = [AT]
    file = FileAuditLog(tmp_path / "admin-audit.log", clock=lambda: clock[0])
    file.record("Jo Bloggs", "published the index")
    file.record("Jo Bloggs", "wrong secret from 10.0.0.1")
    file.record("Jo Bloggs", "wrong secret from 10.0.0.1")  # the same second, twice: two entries
    clock[0] += timedelta(days=1)
    one = SqlAuditLog(replicas(), clock=lambda: clock[0])
    one.record("Ann Other", "retired old.txt")  # made on the database before the history came over
    assert one.take_in(file.entries()) == 3
    two = SqlAuditLog(replicas())
    assert two.take_in(file.entries()) == 0  # a replica starting later copies nothing again
    assert [(e.who, e.what) for e in two.recent()] == [
        ("Ann Other", "retired old.txt"), ("Jo Bloggs", "wrong secret from 10.0.0.1"),
        ("Jo Bloggs", "wrong secret from 10.0.0.1"), ("Jo Bloggs", "published the index")]


def test_replicas_starting_together_copy_a_files_history_once_between_them(replicas: Opener, tmp_path: Path) -> None:
    file = FileAuditLog(tmp_path / "admin-audit.log", clock=lambda: AT)
    for n in range(20):
        file.record("Jo Bloggs", f"change {n}")
    logs = [SqlAuditLog(replicas()) for _ in range(4)]
    copied: list[int] = []
    start = threading.Barrier(len(logs))

    def take_in(log: SqlAuditLog) -> None:
        start.wait()
        copied.append(log.take_in(file.entries()))

    threads = [threading.Thread(target=take_in, args=(log,)) for log in logs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(copied) == [0, 0, 0, 20]
    assert len(logs[0].recent(100)) == 20


# Corrections


def _taught(question: str) -> Record:
    return {"question": question, "source": "001.txt", "clause": "2.3", "by": "U0CLERK", "at": "2026-03-02T09:30:00+00:00"}


def _adding(*records: Record) -> Callable[[tuple[Record, ...]], tuple[Record, ...]]:
    return lambda kept: (*kept, *records)


Spoil = Callable[[str, str], None]


@pytest.fixture(params=["file", *BACKENDS])
def corrections_pair(
    request: pytest.FixtureRequest, tmp_path: Path,
) -> Iterator[tuple[CorrectionsStore, CorrectionsStore, Spoil]]:
    """Two replicas' views of one set of corrections, and a hand that edits what is stored into something that
    does not read: given the text to add to a file, and the fields of a row to add to the database."""
    if request.param == "file":
        path = tmp_path / "corrections.toml"

        def spoil_file(text: str, row: str) -> None:
            path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

        yield FileCorrections(path), FileCorrections(path), spoil_file
        return
    with _replicas(request.param, request, tmp_path) as opener:
        db = opener()

        def spoil_row(text: str, row: str) -> None:
            db.execute("INSERT INTO corrections (position, fields) VALUES (99, ?)", (row,))

        yield SqlCorrections(db), SqlCorrections(opener()), spoil_row


def test_corrections_added_on_one_replica_are_listed_in_order_on_the_other_and_one_removed_is_gone(
    corrections_pair: tuple[CorrectionsStore, CorrectionsStore, Spoil],
) -> None:
    one, two, _ = corrections_pair
    assert one.current() == () and one.problem is None
    one.change(_adding(_taught("first?"), {"question": "mileage?", "by": "Jo", "at": "", "not_covered": True}))
    two.change(_adding(_taught("third? “quoted” – and ünicode")))
    assert [r["question"] for r in one.current()] == ["first?", "mileage?", "third? “quoted” – and ünicode"]
    assert one.current()[1] == {"question": "mileage?", "by": "Jo", "not_covered": True}
    one.change(lambda kept: kept[:1] + kept[2:])
    assert two.current() == (_taught("first?"), _taught("third? “quoted” – and ünicode"))


def test_corrections_taught_on_two_replicas_at_the_same_moment_are_both_kept(replicas: Opener) -> None:
    stores = [SqlCorrections(replicas()) for _ in range(4)]
    start = threading.Barrier(len(stores))

    def teach(store: SqlCorrections, number: int) -> None:
        def slowly(kept: tuple[Record, ...]) -> tuple[Record, ...]:
            time.sleep(0.05)  # long enough for the others to read the same list, were they let in meanwhile
            return (*kept, _taught(f"question {number}?"))

        start.wait()
        store.change(slowly)

    threads = [threading.Thread(target=teach, args=(store, n)) for n, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["question"] for r in stores[0].current()) == [f"question {n}?" for n in range(4)]


@pytest.mark.parametrize(("text", "row", "problem"), [
    ('\n[[corrections]\nquestion = "unclosed', '{"question": "unclosed', "could not be read"),
    ('\n[[corrections]]\nquestion = "no answer given"\n', '{"question": "no answer given"}',
     "correction 2 needs a question"),
])
def test_stored_corrections_that_do_not_read_are_reported_and_the_last_good_ones_stay_in_use(
    corrections_pair: tuple[CorrectionsStore, CorrectionsStore, Spoil], text: str, row: str, problem: str,
) -> None:
    one, two, spoil = corrections_pair
    one.change(_adding(_taught("first?")))
    assert two.current() == (_taught("first?"),)
    spoil(text, row)
    assert two.current() == (_taught("first?"),)
    assert two.problem is not None and problem in two.problem
    assert two.change(lambda kept: kept) == (_taught("first?"),)  # a change of nothing leaves it for a person to mend
    assert one.current() == (_taught("first?"),)
    assert one.problem is not None and problem in one.problem


def test_a_files_corrections_are_copied_into_the_database_once_however_many_replicas_start(
    replicas: Opener, tmp_path: Path,
) -> None:
    path = tmp_path / "corrections.toml"
    FileCorrections(path).change(_adding(_taught("first?"), _taught("second?")))
    stores = [SqlCorrections(replicas()) for _ in range(3)]
    copied: list[int] = []
    start = threading.Barrier(len(stores))

    def take_in(store: SqlCorrections) -> None:
        start.wait()
        copied.append(store.take_in(lambda: read_corrections(path)))

    threads = [threading.Thread(target=take_in, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(copied) == [0, 0, 2]
    stores[0].change(lambda kept: kept[1:])  # removed on the database: a later start must not bring it back
    assert SqlCorrections(replicas()).take_in(lambda: read_corrections(path)) == 0
    assert stores[1].current() == (_taught("second?"),)


def test_a_file_that_does_not_read_is_not_copied_in_and_stops_the_start_saying_so(
    replicas: Opener, tmp_path: Path,
) -> None:
    path = tmp_path / "corrections.toml"
    path.write_text('[[corrections]]\nquestion = "unclosed\n', encoding="utf-8")
    store = SqlCorrections(replicas())
    with pytest.raises(CorrectionError, match="could not be copied into the bot's database") as refused:
        store.take_in(lambda: read_corrections(path))
    assert "corrections.toml could not be read" in str(refused.value)
    path.write_text('[[corrections]]\nquestion = "mileage?"\nnot_covered = true\n', encoding="utf-8")
    assert store.take_in(lambda: read_corrections(path)) == 1  # once put right, it is copied in on the next start


# The embedding cache


def test_vectors_kept_are_found_by_key_exactly_and_a_newer_one_replaces_the_old(replicas: Opener) -> None:
    cache = SqlEmbeddingCache(replicas())
    first, second = np.array([0.1, -2.5, 1e-8], dtype=np.float32), np.array([3.0, 0.0, -1.0], dtype=np.float32)
    cache.keep({"a": first, "b": first})
    cache.keep({"b": second})
    found = SqlEmbeddingCache(replicas()).found(["a", "b", "never kept"])
    assert sorted(found) == ["a", "b"]
    assert found["a"].dtype == np.float32 and np.array_equal(found["a"], first) and np.array_equal(found["b"], second)
    assert cache.found([f"k{n}" for n in range(1200)]) == {}  # more keys than one statement looks up


# Migrations


@pytest.mark.parametrize("module", [feedback, conversation_state, console, audit, embedding_cache, corrections])
def test_each_store_has_the_same_numbered_steps_for_both_databases(module: object) -> None:
    assert len(module.MIGRATIONS) == len(module.POSTGRES_MIGRATIONS)


def test_replicas_starting_together_apply_each_step_once(replicas: Opener) -> None:
    databases = [replicas() for _ in range(4)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(databases))

    def open_stores(db: Database) -> None:
        start.wait()
        try:
            SqlFeedbackStore(db)
            SqlConversationState(db)
            SqlConsoleState(db)
            SqlAuditLog(db)
            SqlEmbeddingCache(db)
            SqlCorrections(db)
        except BaseException as error:  # noqa: B036  (reported below, with the failing backend)
            failures.append(error)

    threads = [threading.Thread(target=open_stores, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for module in (feedback, conversation_state, console, audit, embedding_cache, corrections):
        steps = len(module.MIGRATIONS)
        assert databases[0].applied(module.STORE) == list(range(1, steps + 1))


def test_a_step_that_fails_leaves_no_table_of_it_behind(replicas: Opener) -> None:
    db = replicas()
    broken = ("CREATE TABLE notes (id INTEGER);\nCREATE TABLE notes (id INTEGER);",)
    with pytest.raises(Exception, match="(?i)already exists"):
        db.migrate("broken", sqlite=broken, postgresql=broken)
    with pytest.raises(Exception, match="(?i)no such table|does not exist"):
        db.rows("SELECT id FROM notes")


# The build lock


@pytest.fixture(params=["local", "postgresql"])
def build_locks(request: pytest.FixtureRequest) -> Iterator[tuple[BuildLock, BuildLock]]:
    """Two holders of one lock: threads of one process, or two replicas (on a database of their own, as
    advisory locks are per database and other tests build on the server's first one)."""
    if request.param == "local":
        lock = LocalBuildLock()
        yield lock, lock
        return
    with fresh_database(request.getfixturevalue("postgres_server"), f"l{uuid.uuid4().hex[:16]}") as url:
        yield PostgresBuildLock(url), PostgresBuildLock(url)


def test_while_one_build_holds_the_lock_another_is_refused_and_can_build_afterwards(
    build_locks: tuple[BuildLock, BuildLock],
) -> None:
    one, two = build_locks
    with one.hold() as first:
        assert first is True
        with two.hold() as second:
            assert second is False
    with two.hold() as after:
        assert after is True


def test_a_build_holding_the_lock_is_seen_busy_by_either_holder_until_it_ends(
    build_locks: tuple[BuildLock, BuildLock],
) -> None:
    one, two = build_locks
    assert not one.busy() and not two.busy()
    with one.hold():
        assert one.busy() and two.busy()
    assert not one.busy() and not two.busy()
