"""Questions keep being answered, without a single failure, while the index is rebuilt under them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bot.service.protocol_bot import IndexedProtocolBot
from tests.background import WAIT_SECONDS

ASKERS = 4
QUESTIONS = (
    "Can a councillor give instructions to officers?",
    "Can I copy an officer's email to another councillor?",
    "Should councillors and officers become close friends?",
)
TOPICS = ("purple hats", "brass bands", "garden gnomes")


class Askers:
    """Threads asking questions until stopped, counting answers and keeping every failure."""

    def __init__(self, bot: IndexedProtocolBot) -> None:
        self._bot = bot
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.answered = [0] * ASKERS
        self.failures: list[BaseException] = []
        self._threads = [threading.Thread(target=self._ask, args=(n,), daemon=True) for n in range(ASKERS)]

    def _ask(self, n: int) -> None:
        deadline = time.monotonic() + 3 * WAIT_SECONDS  # a bound, so a broken test cannot spin forever
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                self._bot.ask(QUESTIONS[self.answered[n] % len(QUESTIONS)])
            except BaseException as error:  # any failure at all fails the test
                with self._lock:
                    self.failures.append(error)
                return
            with self._lock:
                self.answered[n] += 1

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wait_until_each_answers_more_than(self, counts: list[int]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and not self.failures:
            with self._lock:
                if all(now > then for now, then in zip(self.answered, counts, strict=True)):
                    return
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(WAIT_SECONDS)


def test_four_threads_asking_throughout_three_reindexes_never_fail_and_get_each_new_version(
    fake_bot: IndexedProtocolBot, knowledge: Path
) -> None:
    askers = Askers(fake_bot)
    askers.start()
    try:
        askers.wait_until_each_answers_more_than([0] * ASKERS)
        for topic in TOPICS:
            name = f"zz_{topic.replace(' ', '_')}.txt"
            (knowledge / "protocols" / name).write_text(
                f"Dress code\n\n1. Officers may bring {topic} to meetings with councillors.\n", encoding="utf-8"
            )
            version = fake_bot.reindex().version
            assert fake_bot.status().version == version
            assert fake_bot.ask(f"Can officers bring {topic} to meetings?").nearest[0].source == name
            askers.wait_until_each_answers_more_than(list(askers.answered))
    finally:
        askers.stop()
    assert askers.failures == []
    assert all(count > len(TOPICS) for count in askers.answered)
