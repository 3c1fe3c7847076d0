"""Search at the scale of every council in England: 10k, 100k and 1M clauses (not part of the tests).

    .venv/bin/python bench/scale.py [--sizes 10000 100000 1000000] [--queries 200]

Synthetic clause vectors of the served model's dimension (384), in clusters as real text embeddings
are (random unit vectors have no neighbourhoods, and no index can do better than scanning them), and
questions drawn near clause vectors. For each size: the index `bot/core/vector_index.build` chooses (the
one the serving code builds), its search p95 for the nearest 10, its memory, and recall@10 against an
exact search; and the exact index beside it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core import vector_index  # noqa: E402

DIMENSION = 384  # all-MiniLM-L6-v2
TOPICS_PER_CLAUSE = 1 / 50  # about fifty clauses a topic: what councils' protocols share
# Noise per dimension putting a clause at cosine ~0.75 from its topic, and a question ~0.75 from its
# clause: the spread of real embeddings of one topic's sentences.
SPREAD = 0.88 / np.sqrt(DIMENSION)
K = 10


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def clauses_and_questions(count: int, queries: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    topics = _unit(rng.standard_normal((max(1, int(count * TOPICS_PER_CLAUSE)), DIMENSION), dtype=np.float32))
    clauses = np.empty((count, DIMENSION), dtype=np.float32)
    for start in range(0, count, 100_000):  # in slices, so a million needs no second copy in memory
        stop = min(count, start + 100_000)
        near = topics[rng.integers(0, len(topics), stop - start)]
        clauses[start:stop] = _unit(near + SPREAD * rng.standard_normal(near.shape, dtype=np.float32))
    asked = clauses[rng.integers(0, count, queries)]
    return clauses, _unit(asked + SPREAD * rng.standard_normal(asked.shape, dtype=np.float32))


def index_megabytes(index: object) -> float:
    import faiss

    with tempfile.NamedTemporaryFile() as file:
        faiss.write_index(index, file.name)
        return Path(file.name).stat().st_size / 2**20


def measure(index: object, questions: np.ndarray) -> tuple[float, np.ndarray]:
    """p95 milliseconds for one question at a time (as the bot searches), and the ids found."""
    times, found = [], []
    for question in questions:
        started = time.perf_counter()
        _, ids = index.search(question.reshape(1, -1), K)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        found.append(ids[0])
    return float(np.percentile(times, 95)), np.array(found)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'clauses':>9}  {'index':10} {'build s':>8} {'p95 ms':>7} {'memory MB':>10} {'recall@10':>10}")
    for count in args.sizes:
        clauses, questions = clauses_and_questions(count, args.queries, rng)
        exact = vector_index.build(clauses, exact_up_to=count)
        exact_p95, truth = measure(exact, questions)
        started = time.perf_counter()
        chosen = vector_index.build(clauses)
        built = time.perf_counter() - started
        chosen_p95, found = measure(chosen, questions)
        kind = "exact" if chosen.ntotal <= vector_index.EXACT_UP_TO else "IVF-SQ8"
        print(f"{count:>9}  {kind:10} {built:>8.1f} {chosen_p95:>7.2f} {index_megabytes(chosen):>10.0f} "
              f"{recall(found, truth):>10.3f}")
        if kind != "exact":
            print(f"{count:>9}  {'exact':10} {'':>8} {exact_p95:>7.2f} {index_megabytes(exact):>10.0f} {1.0:>10.3f}")
            served = chosen.nprobe
            for probes in sorted({32, 64, 128, 256, 512, served}):  # the trade-off around the served setting
                chosen.nprobe = probes
                p95, found = measure(chosen, questions)
                mark = "  <- served" if probes == served else ""
                print(f"{'':>9}  {'':10} {'':>8} {p95:>7.2f} {'':>10} {recall(found, truth):>10.3f}"
                      f"   probing {probes} of {chosen.nlist} clusters{mark}")
        del exact, chosen, clauses


if __name__ == "__main__":
    main()
