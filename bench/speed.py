"""Speed and memory of the default set-up on this machine.

    .venv/bin/python bench/speed.py

Measures, each in a fresh process where it matters: time from process start to the first answer,
warm per-question latency p50/p95 (optionally while another process keeps a core busy), the full
index build time with an empty embedding cache, and resident memory after answering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.settings import PROJECT_ROOT

DEV = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"
OWN = PROJECT_ROOT / "bench" / "data" / "own_questions.jsonl"


def _child(code: str, env: dict[str, str] | None = None) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


FIRST_ANSWER = """
import time, json; t0 = time.perf_counter()
from bot.bootstrap import protocol_bot
from bot.settings import Settings
protocol_bot(Settings.from_env()).ask("Can a councillor give instructions to officers?")
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""

WARM = """
import json, resource, sys, time
from bot import evaluation
from bot.bootstrap import protocol_bot
from bot.settings import Settings
from pathlib import Path
bot = protocol_bot(Settings.from_env())
questions = [q.question for p in sys.argv[1:] for q in evaluation.load(Path(p))]
bot.ask(questions[0])
times = []
for q in questions * 3:
    t = time.perf_counter(); bot.ask(q); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"n": len(times), "p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BUILD = """
import io, json, time
from bot.settings import Settings
from adapters.cli import index
t = time.perf_counter(); index.run(Settings.from_env(), io.StringIO())
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def _busy_core() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main() -> None:
    sets = [str(p) for p in (DEV, OWN) if p.is_file()]
    first = _child(FIRST_ANSWER)
    print(f"process start to first answer: {first['seconds']:.1f} s")
    warm = _child(WARM.replace("sys.argv[1:]", repr(sets)))
    print(f"warm latency over {warm['n']} questions: p50 {warm['p50']:.0f} ms, p95 {warm['p95']:.0f} ms; "
          f"peak RSS {warm['rss_mb']:.0f} MB")
    hog = _busy_core()
    try:
        for threads in ("1", "2"):
            loaded = _child(WARM.replace("sys.argv[1:]", repr(sets)), {"PROTOCOL_BOT_TORCH_THREADS": threads})
            print(f"warm latency with another process spinning a core, {threads} torch thread(s): "
                  f"p50 {loaded['p50']:.0f} ms, p95 {loaded['p95']:.0f} ms")
    finally:
        hog.kill()
    with tempfile.TemporaryDirectory() as home:
        models = PROJECT_ROOT / "var" / "models"
        os.symlink(models, Path(home) / "models")  # the unpacked model is reused; the embedding cache is not
        build = _child(BUILD, {"PROTOCOL_BOT_HOME": home})
    print(f"full index build, empty embedding cache: {build['seconds']:.1f} s")


if __name__ == "__main__":
    main()
