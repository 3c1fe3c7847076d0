"""Nothing lost: the real Slack and Teams servers under load, kill -9, flaky platforms and malformed bodies.

Each server runs as the real `protocol-bot slack|teams --port P` subprocess on 127.0.0.1, with its
own temporary PROTOCOL_BOT_HOME (the index is built there once, from the embedding cache in var/
when there is one), against stand-ins in this process: the fake Slack from the tests, and a Bot
Connector that records the replies Teams would receive. Every scenario starts a fresh server with a
feedback database (where the inbox lives) of its own, and prints one line of counts:

- load: --questions questions at --concurrency, with two admin `reindex` commands during the burst;
  answered (a reply in the question's thread / conversation that cites a clause), lost (no reply),
  duplicated (more than one reply), apologies, out of scope and other replies;
- kill: the same burst, `kill -9` once half the requests are acknowledged, a restart on the same
  home, the unacknowledged requests sent again as the platform would, and up to --kill-wait seconds
  for the restarted server's sweeper; acknowledged, answered, lost, answered twice, and how many the
  restarted server found already answered (posted by the killed one, not yet crossed off);
- kill-at-reply: the same, but `kill -9` the moment the platform has taken the reply to the middle
  question, before it answers the server, so the replies on their way are posted and not crossed off;
- faults: for --fault-seconds a --fault-rate share of reply posts fails (half 500, half 429 with
  Retry-After: 1) while --fault-questions questions arrive; delivered, apologies, missing;
- outage: every reply post fails (503) for --outage-seconds, longer than the retries inside a request,
  while --outage-questions questions arrive; each must be kept and delivered once the platform is back;
- malformed: 50 malformed bodies (Slack: each signed and unsigned); 5xx answers (target 0), growth of
  the server's stderr log (target < 50 KB), forged log lines, and whether a good question is answered;
- memory: the server's peak resident memory (VmHWM) at the end of the load scenario.

    .venv/bin/python bench/faults.py                                  # everything, both platforms
    .venv/bin/python bench/faults.py --platform slack --scenario load,memory --questions 50

Not part of the test suite: it prints counts, and exits 1 when a scenario misses its target.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.fault_bodies import slack_malformed, teams_malformed  # noqa: E402
from bench.fault_drivers import (  # noqa: E402
    DEV_SET,
    DUPLICATE_WINDOW,
    LOG_TARGET_BYTES,
    NO_RESPONSE,
    NOT_SENT,
    OUTAGE_FAULTS,
    ROOT,
    SLACK_ADMIN,
    START_TIMEOUT,
    TEAMS_ADMIN,
    TIMED_OUT,
    TRANSIENT_FAULTS,
    VARIANTS,
    BenchError,
    Kind,
    Malformed,
    Platform,
    Reply,
    Request,
    Server,
    SlackPlatform,
    TeamsPlatform,
    bench_home,
    bot_command,
    free_port,
    progress,
)
from bot import messages  # noqa: E402
from bot.service.conversation import PENDING_AFTER_SECONDS  # noqa: E402

ALREADY_ANSWERED = "was delivered before a restart"  # what bot/conversation.py logs for each such message


def malformed_bodies(platform: Platform) -> list[Malformed]:
    if isinstance(platform, SlackPlatform):
        return slack_malformed(platform.next_ts)
    assert isinstance(platform, TeamsPlatform)
    return teams_malformed(platform.activity)

# --- counting --------------------------------------------------------------------------------------


@dataclass
class Tally:
    answered: int = 0  # at least one reply citing a clause
    lost: int = 0  # no reply at all
    duplicated: int = 0  # more than one reply
    apologies: int = 0
    out_of_scope: int = 0
    other: int = 0  # a reply that is none of the above, and no answer
    misthreaded: int = 0  # Teams: replies not posted as a reply to the question's activity


def report_oddities(replies: dict[str, list[Reply]], keys: list[str]) -> None:
    """Name the questions answered twice or in the wrong place, for the record (at most five of each)."""
    twice = [(key, got) for key in keys if len(got := replies.get(key, [])) > 1]
    for key, got in twice[:5]:
        progress(f"answered {len(got)} times: {key}: " + "; ".join(f"{r.kind.value} at {r.place or key}" for r in got))
    misplaced = [(key, r) for key in keys for r in replies.get(key, []) if not r.threaded]
    for key, reply in misplaced[:5]:
        progress(f"not posted as a reply to its question: {key}: {reply.kind.value} at {reply.place}")


def tally(replies: dict[str, list[Reply]], keys: list[str]) -> Tally:
    counts = Tally()
    for key in keys:
        got = replies.get(key, [])
        kinds = {reply.kind for reply in got}
        counts.lost += not got
        counts.duplicated += len(got) > 1
        counts.answered += Kind.ANSWER in kinds
        counts.apologies += Kind.APOLOGY in kinds
        counts.out_of_scope += Kind.OUT_OF_SCOPE in kinds and Kind.ANSWER not in kinds
        counts.other += bool(got) and kinds <= {Kind.OTHER}
        counts.misthreaded += sum(not reply.threaded for reply in got)
    return counts


def wait_for_replies(platform: Platform, keys: list[str], *, deadline: float, settle: float,
                     not_before: float = 0.0) -> dict[str, list[Reply]]:
    """The replies once every key has one (then `settle` more seconds, so a second reply is seen too),
    not before `not_before`, and never after `deadline` (time.monotonic() values)."""
    while time.monotonic() < deadline:
        replies = platform.replies()
        if all(key in replies for key in keys) and time.monotonic() >= not_before:
            time.sleep(max(0.0, min(settle, deadline - time.monotonic())))
            break
        time.sleep(0.25)
    return platform.replies()


class Sender:
    """Sends a platform's requests to one server. Once `concurrency` requests in a row have timed out
    the server is taken to be stuck, and the rest are not sent (NOT_SENT), so a hung server costs one
    wave of timeouts instead of one per request."""

    def __init__(self, platform: Platform, port: int, concurrency: int) -> None:
        self.platform, self.port, self.concurrency = platform, port, concurrency
        self._lock = threading.Lock()
        self._timeouts_in_a_row = 0

    @property
    def stuck(self) -> bool:
        return self._timeouts_in_a_row >= self.concurrency

    def send(self, request: Request, *, resend: bool = False) -> int:
        if self.stuck:
            return NOT_SENT
        status = self.platform.send(self.port, request, resend=resend)
        with self._lock:
            self._timeouts_in_a_row = self._timeouts_in_a_row + 1 if status == TIMED_OUT else 0
        return status

    def send_all(self, requests: list[Request], *, resend: bool = False,
                 after_each: Callable[[int], None] | None = None) -> dict[str, int]:
        """Each request's HTTP status (or NO_RESPONSE, TIMED_OUT, NOT_SENT), `concurrency` at a time."""

        def send(request: Request) -> int:
            status = self.send(request, resend=resend)
            if after_each is not None:
                after_each(status)
            return status

        with ThreadPoolExecutor(max_workers=self.concurrency) as senders:
            return dict(zip([r.key for r in requests], senders.map(send, requests), strict=True))


def ok(status: int) -> bool:
    return 200 <= status < 300


# --- the bench ------------------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    platform: str
    verdict: str  # "ok", "FAIL: why", or "-" where there is no target
    figures: dict[str, object] = field(default_factory=dict)

    def line(self) -> str:
        return f"{self.platform:5} {self.scenario:9} " + ", ".join(f"{k} {v}" for k, v in self.figures.items()) + \
            f"  [{self.verdict}]"


@dataclass
class Bench:
    args: argparse.Namespace
    home: Path
    logs: Path
    questions: list[str]
    env: dict[str, str]  # what every server's environment starts from
    started: list[Server] = field(default_factory=list)  # the servers of the scenario running now
    _asked: int = 0

    def next_question(self) -> str:
        self._asked += 1
        return self.questions[self._asked % len(self.questions)]

    def server(self, platform: Platform, scenario: str, *, port: int | None = None, part: str = "") -> Server:
        """A started server for `scenario`, with a feedback database (and so an inbox) of the scenario's own."""
        env = {**self.env, **platform.server_env(),
               "PROTOCOL_BOT_FEEDBACK_DB": str(self.home / f"{platform.name}-{scenario}.sqlite3")}
        log = self.logs / f"{platform.name}-{scenario}{part}.log"
        progress(f"starting the {platform.name} server for {scenario}{part} (log {log})")
        server = Server(platform.name, port or free_port(), env, log)
        self.started.append(server)
        return server.start()

    def warm_up(self, platform: Platform, server: Server) -> None:
        """One question answered before counting: the model is loaded, and the whole path works."""
        request = platform.question(self.questions[0])
        status = platform.send(server.port, request)
        replies = wait_for_replies(platform, [request.key], deadline=time.monotonic() + START_TIMEOUT, settle=0)
        got = replies.get(request.key, [])
        if not ok(status) or not any(reply.kind is Kind.ANSWER for reply in got):
            raise BenchError(f"the warm-up question got HTTP {status} and replies {[r.kind.value for r in got]}:\n"
                             f"{server.tail()}")


def reindex_replies(replies: dict[str, list[Reply]], keys: list[str]) -> dict[str, int]:
    """What the admins' reindex commands got: started, already running (busy), and the reports that followed."""
    texts = [reply.text for key in keys for reply in replies.get(key, [])]
    done, failed = messages.REINDEX_DONE.split("{")[0], messages.REINDEX_FAILED.split("{")[0]
    return {"started": texts.count(messages.REINDEX_STARTED), "busy": texts.count(messages.REINDEX_BUSY),
            "reported": sum(text.startswith((done, failed, messages.REINDEX_CRASHED)) for text in texts)}


def log_findings(text: str) -> dict[str, int]:
    """ERROR/CRITICAL records, tracebacks, and lines forged by a request body, in a stretch of a server log."""
    lines = text.splitlines()
    return {
        "log errors": sum(line.startswith(("ERROR ", "CRITICAL ")) and "BENCH-FORGED" not in line for line in lines),
        "tracebacks": sum(line.startswith("Traceback") for line in lines),
        "forged lines": sum(line.startswith(("ERROR BENCH-FORGED", "CRITICAL BENCH-FORGED")) for line in lines),
    }


# --- scenarios ------------------------------------------------------------------------------------


def statuses_figures(statuses: dict[str, int]) -> dict[str, object]:
    return {"not 2xx": sum(not ok(s) for s in statuses.values() if s != NOT_SENT),
            "unsent (server stuck)": sum(s == NOT_SENT for s in statuses.values())}


def scenario_load(bench: Bench, platform: Platform) -> list[Row]:
    """A burst of questions with two reindexes in the middle; then the server's peak memory."""
    args = bench.args
    server = bench.server(platform, "load")
    try:
        bench.warm_up(platform, server)
        start_log = server.log_size()
        questions = [platform.question(bench.next_question()) for _ in range(args.questions)]
        reindexes = [platform.question("reindex", admin=True) for _ in range(2)]
        # the two reindex commands go in at a third and two thirds of the burst
        third = max(1, len(questions) // 3)
        burst = questions[:third] + reindexes[:1] + questions[third:2 * third] + reindexes[1:] + questions[2 * third:]
        progress(f"sending {len(questions)} questions and 2 reindexes, {args.concurrency} at a time")
        began = time.monotonic()
        statuses = Sender(platform, server.port, args.concurrency).send_all(burst)
        keys = [r.key for r in questions]
        replies = wait_for_replies(platform, keys + [r.key for r in reindexes],
                                   deadline=time.monotonic() + args.reply_timeout, settle=args.settle)
        took = time.monotonic() - began
        peak, now = server.memory_kb("VmHWM"), server.memory_kb("VmRSS")
        found = log_findings(server.log_text(start_log))
    finally:
        server.stop()
    sent = [k for k in keys if statuses[k] != NOT_SENT]  # what the bench never sent was not lost by the bot
    counts = tally(replies, sent)
    report_oddities(replies, sent)
    reindexed = reindex_replies(replies, [r.key for r in reindexes])
    figures: dict[str, object] = {
        "questions": len(keys), "answered": counts.answered, "lost": counts.lost, "duplicated": counts.duplicated,
        "apologies": counts.apologies, "out of scope": counts.out_of_scope, "other": counts.other,
        **statuses_figures({k: statuses[k] for k in keys}), "misthreaded": counts.misthreaded,
        "reindex started/busy/reported": "/".join(str(reindexed[k]) for k in ("started", "busy", "reported")),
        "seconds": round(took, 1), **found,
    }
    failed = [name for name in ("lost", "duplicated", "apologies", "other", "not 2xx", "unsent (server stuck)")
              if figures[name]]
    if reindexed["reported"] < len(reindexes):  # each admin was told a report would follow
        failed.append("reindex report missing")
    load = Row("load", platform.name, "FAIL: " + ", ".join(failed) if failed else "ok", figures)
    memory = Row("memory", platform.name, "-", {
        "peak RSS MB": round(peak / 1024) if peak else "?", "RSS at end MB": round(now / 1024) if now else "?"})
    return [load, memory]


def burst_until_killed(server: Server, sender: Sender, requests: list[Request]) -> tuple[dict[str, int], float]:
    """Send the burst and kill -9 the server as soon as half of it is acknowledged; the statuses, and
    when it was killed."""
    half = len(requests) // 2
    lock = threading.Lock()
    acked = 0
    killed_at: list[float] = []

    def count(status: int) -> None:
        nonlocal acked
        with lock:
            acked += ok(status)
            if acked >= half and not killed_at:
                server.kill()
                killed_at.append(time.monotonic())

    progress(f"sending {len(requests)} questions; kill -9 after {half} are acknowledged")
    statuses = sender.send_all(requests, after_each=count)
    if not killed_at:  # fewer than half were acknowledged: kill it anyway, so the restart is still tested
        server.kill()
        killed_at.append(time.monotonic())
    return statuses, killed_at[0]


def resend_unacknowledged(sender: Sender, requests: list[Request], statuses: dict[str, int]) -> dict[str, int]:
    """What the platform does with a delivery that got no 2xx: deliver it again, a few times."""
    resent: dict[str, int] = {}
    for _attempt in range(3):
        pending = [r for r in requests if not ok(statuses[r.key]) and not ok(resent.get(r.key, NO_RESPONSE))]
        if not pending or sender.stuck:
            break
        resent |= sender.send_all(pending, resend=True)
        time.sleep(1)
    return resent


def scenario_kill(bench: Bench, platform: Platform) -> list[Row]:
    """kill -9 half-way through a burst, restart on the same home, re-send what got no 2xx, count."""
    first = bench.server(platform, "kill", part="-1")
    try:
        bench.warm_up(platform, first)
        requests = [platform.question(bench.next_question()) for _ in range(bench.args.questions)]
        statuses, killed_at = burst_until_killed(first, Sender(platform, first.port, bench.args.concurrency), requests)
        answered_before = tally(platform.replies(), [r.key for r in requests]).answered
    finally:
        first.stop()
    return [restart_and_count(bench, platform, "kill", first, requests, statuses, killed_at, answered_before)]


def scenario_kill_at_reply(bench: Bench, platform: Platform) -> list[Row]:
    """kill -9 the moment the platform has taken the reply to the burst's middle question, before it answers
    the server: every reply then on its way is posted and not crossed off, the window a random kill seldom hits."""
    first = bench.server(platform, "kill-at-reply", part="-1")
    try:
        bench.warm_up(platform, first)
        requests = [platform.question(bench.next_question()) for _ in range(bench.args.questions)]
        lock, taken_before, killed_at = threading.Lock(), platform.reply_count(), []

        def kill_at_middle() -> None:
            with lock:
                if not killed_at and platform.reply_count() - taken_before >= len(requests) // 2:
                    first.kill()
                    killed_at.append(time.monotonic())

        platform.on_reply(kill_at_middle)
        progress(f"sending {len(requests)} questions; kill -9 when the platform takes reply {len(requests) // 2}")
        try:
            statuses = Sender(platform, first.port, bench.args.concurrency).send_all(requests)
            # Slack acknowledges before answering: the middle reply comes after the last acknowledgement
            deadline = time.monotonic() + bench.args.reply_timeout
            while not killed_at and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            platform.on_reply(None)
        if not killed_at:
            first.kill()
            killed_at.append(time.monotonic())
        answered_before = tally(platform.replies(), [r.key for r in requests]).answered
    finally:
        first.stop()
    return [restart_and_count(bench, platform, "kill-at-reply", first, requests, statuses, killed_at[0],
                              answered_before)]


def restart_and_count(bench: Bench, platform: Platform, scenario: str, first: Server, requests: list[Request],
                      statuses: dict[str, int], killed_at: float, answered_before: int) -> Row:
    """Restart on the killed server's home and port, re-send what got no 2xx, and count once the dead
    worker's claims have expired and the sweeper has had its turn."""
    args = bench.args
    keys = [r.key for r in requests]
    second = bench.server(platform, scenario, port=first.port, part="-2")  # the platform knows only that address
    try:
        progress(f"restarted; sending the {sum(not ok(s) for s in statuses.values())} unacknowledged requests again")
        resent = resend_unacknowledged(Sender(platform, second.port, args.concurrency), requests, statuses)
        acked_keys = [k for k in keys if ok(statuses[k]) or ok(resent.get(k, NO_RESPONSE))]
        progress(f"waiting up to {args.kill_wait:.0f} s for the answers, and at least {DUPLICATE_WINDOW:.0f} s "
                 "after the kill for any second reply")
        replies = wait_for_replies(platform, acked_keys, deadline=time.monotonic() + args.kill_wait, settle=1,
                                   not_before=killed_at + DUPLICATE_WINDOW)
        waited = time.monotonic() - killed_at
        second_log = second.log_text()
        found = log_findings(second_log)
    finally:
        second.stop()
    counts, acked_counts = tally(replies, keys), tally(replies, acked_keys)
    report_oddities(replies, keys)
    figures: dict[str, object] = {
        "questions": len(keys), "acknowledged": sum(ok(statuses[k]) for k in keys),
        "re-sent": sum(s != NOT_SENT for s in resent.values()),
        "re-sent acknowledged": sum(ok(s) for s in resent.values()), "never acknowledged": len(keys) - len(acked_keys),
        "never sent (server stuck)": sum(statuses[k] == NOT_SENT and resent.get(k, NOT_SENT) == NOT_SENT for k in keys),
        "answered": counts.answered, "answered before kill": answered_before,
        "lost": acked_counts.lost, "answered twice": counts.duplicated, "apologies": counts.apologies,
        "other": counts.other, "misthreaded": counts.misthreaded, "seconds after kill": round(waited),
        # taken over from the killed process and found already answered in their thread (Slack), so not sent again
        "found already answered": second_log.count(ALREADY_ANSWERED), **found,
    }
    failed = [name for name in ("lost", "never acknowledged", "apologies") if figures[name]]
    verdict = "FAIL: " + ", ".join(failed) if failed else "WARN: answered twice" if counts.duplicated else "ok"
    return Row(scenario, platform.name, verdict, figures)


def send_paced(sender: Sender, requests: list[Request], seconds: float) -> dict[str, int]:
    """Send the requests evenly spread over `seconds`, however long each takes to be acknowledged."""
    began = time.monotonic()
    statuses: dict[str, int] = {}

    def send_at(item: tuple[int, Request]) -> None:
        number, request = item
        time.sleep(max(0.0, began + number * seconds / len(requests) - time.monotonic()))
        statuses[request.key] = sender.send(request)

    with ThreadPoolExecutor(max_workers=sender.concurrency) as senders:
        list(senders.map(send_at, enumerate(requests)))
    return statuses


@dataclass(frozen=True)
class Failing:
    """Reply posts failing for a while, and the questions asked meanwhile."""

    scenario: str
    rate: float  # share of reply posts that fail
    faults: list[tuple[int, int | None]]  # (HTTP status, Retry-After) of a failing post
    seconds: float  # how long posts fail
    questions: int
    asked_over: float  # the seconds over which the questions are spread
    description: str


def scenario_faults(bench: Bench, platform: Platform) -> list[Row]:
    """Questions arriving while a share of reply posts fail with 500 or 429 (Retry-After: 1)."""
    args = bench.args
    return failing_replies(bench, platform, Failing(
        "faults", args.fault_rate, TRANSIENT_FAULTS, args.fault_seconds, args.fault_questions, args.fault_seconds,
        f"{args.fault_seconds:.0f} s of {args.fault_rate:.0%} failing reply posts"))


def scenario_outage(bench: Bench, platform: Platform) -> list[Row]:
    """Every reply post fails (503) for longer than the in-request retries last; questions asked then
    must be kept and answered once the platform is back, by the sweeper."""
    args = bench.args
    return failing_replies(bench, platform, Failing(
        "outage", 1.0, OUTAGE_FAULTS, args.outage_seconds, args.outage_questions, args.outage_seconds / 2,
        f"{args.outage_seconds:.0f} s in which every reply post fails"))


def failing_replies(bench: Bench, platform: Platform, failing: Failing) -> list[Row]:
    args = bench.args
    server = bench.server(platform, failing.scenario)
    try:
        bench.warm_up(platform, server)
        start_log, injected_before = server.log_size(), platform.injected_failures()
        requests = [platform.question(bench.next_question()) for _ in range(failing.questions)]
        window_ends = time.monotonic() + failing.seconds
        platform.fail_replies(failing.rate, window_ends, args.seed, failing.faults)
        progress(f"{failing.description}; {len(requests)} questions over {failing.asked_over:.0f} s of it")
        statuses = send_paced(Sender(platform, server.port, args.concurrency), requests, failing.asked_over)
        keys = [r.key for r in requests]
        replies = wait_for_replies(platform, keys, deadline=max(time.monotonic(), window_ends) + args.reply_timeout,
                                   settle=args.settle)
        log = server.log_text(start_log)
        injected = platform.injected_failures() - injected_before
    finally:
        server.stop()
    sent = [k for k in keys if statuses[k] != NOT_SENT]
    counts = tally(replies, sent)
    report_oddities(replies, sent)
    figures: dict[str, object] = {
        "questions": len(keys), "delivered": counts.answered, "apologies": counts.apologies, "missing": counts.lost,
        "duplicated": counts.duplicated, "out of scope": counts.out_of_scope, "other": counts.other,
        **statuses_figures(statuses), "injected failures": injected, "put off": log.count("is put off"),
        "misthreaded": counts.misthreaded, **log_findings(log),
    }
    failed = [name for name in ("missing", "apologies", "duplicated", "other", "not 2xx", "unsent (server stuck)")
              if figures.get(name)]
    return [Row(failing.scenario, platform.name, "FAIL: " + ", ".join(failed) if failed else "ok", figures)]


@dataclass(frozen=True)
class Sent:
    """One malformed request as sent, what it got, and how much the server logged while answering it."""

    name: str
    status: int
    logged: int  # bytes of server log written between sending it and its answer (and a moment after)


def send_malformed(platform: Platform, server: Server) -> list[Sent]:
    sent: list[Sent] = []
    variants = platform.malformed_variants()
    for case in malformed_bodies(platform):
        for signed in variants:
            before = server.log_size()
            status = platform.send_malformed(server.port, case, signed=signed)
            time.sleep(0.05)  # what the request's own handling logs, not what the next one does
            name = case.name + (("" if signed else " (unsigned)") if len(variants) > 1 else "")
            sent.append(Sent(name, status, server.log_size() - before))
    return sent


def report_malformed(sent: list[Sent]) -> None:
    """Which requests got a 5xx or no answer, and which made the server log most, for the record."""
    for one in sent:
        if one.status >= 500 or one.status in (NO_RESPONSE, TIMED_OUT):
            what = {NO_RESPONSE: "closed, no answer", TIMED_OUT: "timed out"}.get(one.status, f"HTTP {one.status}")
            progress(f"{what}: {one.name}")
    for one in sorted(sent, key=lambda s: -s.logged)[:8]:
        if one.logged >= 1024:
            progress(f"logged {one.logged / 1024:.1f} KB: {one.name} (HTTP {one.status})")


def scenario_malformed(bench: Bench, platform: Platform) -> list[Row]:
    """50 malformed bodies, then a good question; what the server answered and how much it logged."""
    server = bench.server(platform, "malformed")
    try:
        bench.warm_up(platform, server)
        start_log, replies_before = server.log_size(), platform.reply_count()
        progress(f"sending 50 malformed bodies x {len(platform.malformed_variants())}")
        sent = send_malformed(platform, server)
        good = platform.question(bench.next_question())
        good_status = platform.send(server.port, good)
        # anything a malformed request left in the inbox is swept within two sweeps: wait for its log lines too
        settle = 2 * PENDING_AFTER_SECONDS + 2
        replies = wait_for_replies(platform, [good.key], deadline=time.monotonic() + bench.args.reply_timeout,
                                   settle=settle)
        log = server.log_text(start_log)
        growth = server.log_size() - start_log
        alive = server.alive()
    finally:
        server.stop()
    report_malformed(sent)
    answered = ok(good_status) and any(r.kind is Kind.ANSWER for r in replies.get(good.key, []))
    found = log_findings(log)
    statuses = [one.status for one in sent]
    figures: dict[str, object] = {
        "requests": len(sent), "2xx": sum(map(ok, statuses)), "4xx": sum(400 <= s < 500 for s in statuses),
        "5xx": sum(s >= 500 for s in statuses), "no answer": sum(s in (NO_RESPONSE, TIMED_OUT) for s in statuses),
        "replies posted": platform.reply_count() - replies_before - len(replies.get(good.key, [])),
        "log growth KB": round(growth / 1024, 1), **found, "good question answered": "yes" if answered else "NO",
        "server alive": "yes" if alive else "NO",
    }
    failed = [name for name, bad in (("5xx", figures["5xx"]), ("log growth", growth >= LOG_TARGET_BYTES),
                                     ("forged lines", found["forged lines"]), ("good question", not answered),
                                     ("server died", not alive)) if bad]
    return [Row("malformed", platform.name, "FAIL: " + ", ".join(failed) if failed else "ok", figures)]


SCENARIOS: dict[str, Callable[[Bench, Platform], list[Row]]] = {
    "load": scenario_load, "kill": scenario_kill, "kill-at-reply": scenario_kill_at_reply,
    "faults": scenario_faults, "outage": scenario_outage,
    "malformed": scenario_malformed,
}


# --- setting up: a home with an index, and questions the protocols answer ---------------------------


def server_env(home: Path, args: argparse.Namespace) -> dict[str, str]:
    """This process's environment without any platform or bot settings of its own, plus the bench's."""
    dropped = ("SLACK_", "Microsoft", "PROTOCOL_BOT_HOME", "PROTOCOL_BOT_FEEDBACK_DB", "PROTOCOL_BOT_ADMINS",
               "PROTOCOL_BOT_SCOPES")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env |= {"PROTOCOL_BOT_HOME": str(home), "PROTOCOL_BOT_ADMINS": f"{SLACK_ADMIN},{TEAMS_ADMIN}",
            "PYTHONUNBUFFERED": "1"}
    if args.runtime:
        env["PROTOCOL_BOT_RUNTIME"] = args.runtime
    if args.workers:
        env["PROTOCOL_BOT_WORKERS"] = str(args.workers)
    return env


def build_index(home: Path, env: dict[str, str]) -> None:
    cache = ROOT / "var" / "embeddings.sqlite3"
    if cache.exists():  # embeddings are cached by model and text, so the build embeds nothing new
        shutil.copy(cache, home / "embeddings.sqlite3")
    progress(f"building the index in {home}")
    built = subprocess.run([str(bot_command()), "index"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if built.returncode != 0:
        raise BenchError(f"protocol-bot index failed:\n{built.stdout}\n{built.stderr}")


def pick_questions(env: dict[str, str]) -> list[str]:
    """Dev-set questions the protocols answer, a few wordings each, kept only where the bot cites a clause
    (`ask --jsonl` in the bench's home; this also loads, and if need be exports, the model once)."""
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()] if DEV_SET.exists() else []
    bases = [row["question"] for row in rows if row.get("gold")] or list(messages.EXAMPLE_QUESTIONS)
    candidates = [variant.format(q=q) for q in bases for variant in VARIANTS]
    lines = "".join(json.dumps({"id": n, "question": q}) + "\n" for n, q in enumerate(candidates))
    progress(f"checking {len(candidates)} question wordings with `protocol-bot ask --jsonl`")
    asked = subprocess.run([str(bot_command()), "ask", "--jsonl"], cwd=ROOT, env=env, input=lines,
                           capture_output=True, text=True, timeout=900)
    kept = []
    for line in asked.stdout.splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            row = json.loads(line)
            if not row.get("error") and not row["out_of_scope"] and row["citations"]:
                kept.append(candidates[row["id"]])
    if len(kept) < 5:
        raise BenchError(f"only {len(kept)} of {len(candidates)} questions were answered:\n{asked.stderr[-3000:]}")
    return kept


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", choices=("slack", "teams", "both"), default="both")
    parser.add_argument("--scenario", default="all",
                        help="comma-separated: load, kill, kill-at-reply, faults, outage, malformed, memory (measured during "
                             "load), or all")
    parser.add_argument("--questions", type=int, default=300, help="questions per burst (load and kill)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight at once")
    parser.add_argument("--fault-seconds", type=float, default=30.0, help="how long reply posts fail")
    parser.add_argument("--fault-questions", type=int, default=100, help="questions sent during the fault window")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="share of reply posts that fail in the window")
    parser.add_argument("--outage-seconds", type=float, default=25.0,
                        help="how long every reply post fails in the outage scenario")
    parser.add_argument("--outage-questions", type=int, default=10, help="questions sent during the outage")
    parser.add_argument("--reply-timeout", type=float, default=60.0,
                        help="seconds to wait for replies after the last question (load, faults, malformed)")
    parser.add_argument("--kill-wait", type=float, default=90.0, help="seconds to wait for answers after the restart")
    parser.add_argument("--settle", type=float, default=12.0,
                        help="seconds to keep watching once every question has a reply, to see second replies")
    parser.add_argument("--runtime", choices=("onnx", "torch"), help="PROTOCOL_BOT_RUNTIME for the servers")
    parser.add_argument("--workers", type=int, help="PROTOCOL_BOT_WORKERS for the servers")
    parser.add_argument("--seed", type=int, default=1, help="seeds which reply posts fail")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and the server logs")
    args = parser.parse_args(argv)
    chosen = {name.strip() for name in args.scenario.split(",") if name.strip()}
    known = set(SCENARIOS) | {"memory", "all"}
    if not chosen or not chosen <= known:
        parser.error(f"--scenario takes {', '.join(sorted(known))}; not {args.scenario!r}")
    if "memory" in chosen:
        chosen.add("load")  # peak memory is read at the end of the load scenario
    args.scenarios = [name for name in SCENARIOS if name in chosen or "all" in chosen]
    args.show_memory = "memory" in chosen or "all" in chosen
    return args


def print_table(rows: list[Row]) -> None:
    headline = ("questions", "requests", "answered", "delivered", "lost", "missing", "duplicated", "answered twice",
                "found already answered", "apologies", "unsent (server stuck)", "5xx", "log growth KB",
                "good question answered", "peak RSS MB")
    print(f"\n{'scenario':10} {'platform':9} {'figures':78} verdict")
    for row in rows:
        figures = ", ".join(f"{k} {v}" for k, v in row.figures.items() if k in headline)
        print(f"{row.scenario:10} {row.platform:9} {figures:78} {row.verdict}")


def run(args: argparse.Namespace, home: Path) -> list[Row]:
    logs = home / "logs"
    logs.mkdir()
    env = server_env(home, args)
    build_index(home, env)
    bench = Bench(args, home, logs, pick_questions(env), env)
    progress(f"{len(bench.questions)} question wordings the protocols answer")
    rows: list[Row] = []
    names = ["slack", "teams"] if args.platform == "both" else [args.platform]
    for name in names:
        platform: Platform = SlackPlatform() if name == "slack" else TeamsPlatform()
        platform.start()
        try:
            for scenario in args.scenarios:
                bench.started.clear()
                try:
                    produced = SCENARIOS[scenario](bench, platform)
                except BenchError as error:
                    progress(str(error))
                    produced = [Row(scenario, name, "ERROR: could not run", {"error": str(error).splitlines()[0]})]
                if stuck := sum(server.ignored_sigterm for server in bench.started):
                    produced[0].figures["servers killed after SIGTERM"] = stuck
                for row in produced:
                    if row.scenario != "memory" or args.show_memory:
                        print(row.line(), flush=True)
                        rows.append(row)
        finally:
            platform.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with bench_home("protocol-bot-faults-", keep=args.keep) as home:
            rows = run(args, home)
    except BenchError as error:
        print(f"bench/faults.py could not run: {error}", file=sys.stderr)
        return 2
    print_table(rows)
    return 0 if all(row.verdict in ("ok", "-") or row.verdict.startswith("WARN") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
