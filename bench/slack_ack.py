"""How fast the Slack app acknowledges while it is busy answering: p50/p95 ack latency over signed events.

Slack retries any delivery not acknowledged within 3 seconds, so the ack must not wait for answers.
Runs the real app over HTTP on 127.0.0.1 against the fake Slack from the tests, with a bot that takes
--delay seconds per answer, and sends --events mentions from --senders concurrent clients.

    python bench/slack_ack.py --events 200 --delay 0.5 --senders 8
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.slack.server import EVENTS_PATH, http_app  # noqa: E402
from adapters.slack.settings import SlackConfig  # noqa: E402
from adapters.slack.translate import build_app  # noqa: E402
from bot.answer import Answer, Scope  # noqa: E402
from bot.stores.sql_feedback import SqlFeedbackStore  # noqa: E402
from tests.background import AiohttpInBackground  # noqa: E402
from tests.fake_slack import BOT_USER_ID, FakeSlack, event_body, send_signed  # noqa: E402
from tests.fakes import FakeProtocolBot, conversation  # noqa: E402

SECRET = "bench-secret"


class SlowBot(FakeProtocolBot):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def ask(self, question: str, scope: Scope | None = None) -> Answer:
        time.sleep(self.delay)  # stands in for retrieval on a busy machine
        return super().ask(question, scope)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds the fake bot takes per answer")
    parser.add_argument("--senders", type=int, default=8, help="concurrent clients posting events")
    args = parser.parse_args()

    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory() as home:
        store = SqlFeedbackStore(Path(home) / "feedback.sqlite3")
        config = SlackConfig(bot_token="xoxb-bench", signing_secret=SECRET, api_url=fake.api_url)
        app = build_app(conversation(SlowBot(args.delay), store), config)
        server = AiohttpInBackground("slack-http")
        url = f"http://127.0.0.1:{server.start(lambda: http_app(app, SECRET))}{EVENTS_PATH}"

        def deliver(n: int) -> float:
            event = {"type": "app_mention", "user": "U0BENCH", "text": f"<@{BOT_USER_ID}> Can I copy email {n}?",
                     "ts": f"1700000000.{n:06d}", "channel": "C0BENCH"}
            body = json.dumps(event_body(event, f"EvBench{n}"))
            started = time.perf_counter()
            status, _ = send_signed(url, SECRET, body, "application/json")
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"event {n} got HTTP {status}")
            return elapsed

        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.senders) as senders:
            latencies = list(senders.map(deliver, range(args.events)))
        acked = time.perf_counter() - began
        # answers keep coming after the last ack; wait for them so the run measured acks *while* answering
        answers_timeout = 30 + args.events * args.delay
        fake.wait_for("chat.postMessage", args.events, timeout=answers_timeout)
        answered = time.perf_counter() - began
        server.stop()
        store.close()
    fake.stop()

    ms = [v * 1000 for v in latencies]
    print(f"{args.events} events, {args.senders} senders, bot {args.delay:.2f} s per answer")
    print(f"ack latency: p50 {_percentile(ms, 0.5):.1f} ms, p95 {_percentile(ms, 0.95):.1f} ms, "
          f"max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms")
    print(f"all acked after {acked:.1f} s; all {args.events} answers posted after {answered:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
