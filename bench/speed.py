"""Speed and memory of the default set-up on this machine, each measured in a fresh process.

    .venv/bin/python bench/speed.py          # needs an index: make index

- process start to the first answer (imports, model and index load, one question);
- warm cost per question over the dev and our own questions (three passes), beside plain dense
  retrieval (MiniLM and a flat FAISS search, nothing else) measured in the same process, through ONNX
  Runtime and through torch: the ratio is what hybrid retrieval costs over the plainest baseline;
- the same with another process keeping a core busy, with 1 and 2 threads per question;
- peak resident memory of a serving process after 300 questions and a reindex;
- a full index build with an empty embedding cache, with and without the one-off ONNX export.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings

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

# Protocol Bot and plain dense retrieval, question by question in turn, so both meet the same machine.
WARM = """
import json, sys, time
from pathlib import Path
from bot.core import evaluation, index_store
from bot.bootstrap import embedder, protocol_bot
from bot.core.embedding import SentenceTransformerEmbedder
from bot.settings import Settings
settings = Settings.from_env()
bot = protocol_bot(settings)
questions = [q.question for p in sys.argv[1:] for q in evaluation.load(Path(p))]
clauses = index_store.read(settings.index_root).clause_vectors
plain = {"onnx": embedder(settings), "torch": SentenceTransformerEmbedder(settings.model, settings.model_cache)}
bot.ask(questions[0]); [clauses.search(e.encode([questions[0]]), 10) for e in plain.values()]
times = {"bot": [], "onnx": [], "torch": []}
for q in questions * 3:
    t = time.perf_counter(); bot.ask(q); times["bot"].append((time.perf_counter() - t) * 1000)
    for name, e in plain.items():
        t = time.perf_counter(); clauses.search(e.encode([q]), 10); times[name].append((time.perf_counter() - t) * 1000)
out = {"n": len(times["bot"])}
for name, ms in times.items():
    ms.sort(); out[name + "_p50"] = ms[len(ms) // 2]; out[name + "_p95"] = ms[int(len(ms) * 0.95)]
    out[name + "_mean"] = sum(ms) / len(ms)
print(json.dumps(out))
"""

SERVING_MEMORY = """
import json, sys
from pathlib import Path
from bot.core import evaluation
from bot.bootstrap import protocol_bot
from bot.settings import Settings
bot = protocol_bot(Settings.from_env())
questions = [q.question for p in sys.argv[1:] for q in evaluation.load(Path(p))]
for q in (questions * 3)[:300]:
    bot.ask(q)
bot.reindex()
bot.ask(questions[0])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"rss_mb": int(peak.split()[1]) / 1024}))
"""

BUILD = """
import io, json, time
from bot.bootstrap import protocol_bot
from bot.settings import Settings
from adapters.cli import index
t = time.perf_counter(); index.run(protocol_bot(Settings.from_env(), threads=index.BUILD_THREADS), io.StringIO())
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def _busy_core() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _build_seconds(settings: Settings, *, with_export: bool) -> float:
    """A full build into a fresh home: nothing cached; the model's ONNX export kept unless `with_export`."""
    with tempfile.TemporaryDirectory() as home:
        models = Path(home) / "models"
        models.mkdir()
        for kept in settings.model_cache.glob("*"):
            if kept.is_dir() and not (with_export and kept.name.endswith("-onnx")):
                os.symlink(kept.resolve(), models / kept.name)
        return _child(BUILD, {"PROTOCOL_BOT_HOME": home})["seconds"]


def _serving_memory(settings: Settings, sets: list[str]) -> float:
    """Peak memory of a bot that answered 300 questions and rebuilt its index (in a copy of the home)."""
    with tempfile.TemporaryDirectory() as home:
        shutil.copytree(settings.index_root, Path(home) / "index")
        if settings.embedding_cache.is_file():
            shutil.copy(settings.embedding_cache, Path(home) / settings.embedding_cache.name)
        os.symlink(settings.model_cache.resolve(), Path(home) / "models")
        return _child(SERVING_MEMORY.replace("sys.argv[1:]", repr(sets)), {"PROTOCOL_BOT_HOME": home})["rss_mb"]


def main() -> None:
    settings = Settings.from_env()
    sets = [str(p) for p in (DEV, OWN) if p.is_file()]
    first = _child(FIRST_ANSWER)
    print(f"process start to first answer: {first['seconds']:.2f} s")
    warm = _child(WARM.replace("sys.argv[1:]", repr(sets)))
    print(f"warm cost per question over {warm['n']} questions: Protocol Bot p50 {warm['bot_p50']:.1f} ms, "
          f"p95 {warm['bot_p95']:.1f} ms, mean {warm['bot_mean']:.1f} ms")
    for baseline in ("onnx", "torch"):
        print(f"  plain dense MiniLM + FAISS through {baseline}: p50 {warm[baseline + '_p50']:.1f} ms, "
              f"mean {warm[baseline + '_mean']:.1f} ms; Protocol Bot costs "
              f"{warm['bot_mean'] / warm[baseline + '_mean']:.2f}x")
    hog = _busy_core()
    try:
        for threads in ("1", "2"):
            loaded = _child(WARM.replace("sys.argv[1:]", repr(sets)), {"PROTOCOL_BOT_THREADS": threads})
            print(f"warm latency with another process spinning a core, {threads} thread(s): "
                  f"p50 {loaded['bot_p50']:.1f} ms, p95 {loaded['bot_p95']:.1f} ms")
    finally:
        hog.kill()
    print(f"peak resident memory after 300 questions and a reindex: {_serving_memory(settings, sets):.0f} MB")
    print(f"full index build, empty embedding cache: {_build_seconds(settings, with_export=False):.1f} s; "
          f"with the one-off ONNX export too: {_build_seconds(settings, with_export=True):.1f} s")


if __name__ == "__main__":
    main()
