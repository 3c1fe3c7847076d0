"""Choose when the configured model declines a question, and show the trade-off it makes.

    .venv/bin/python bench/calibrate.py

Abstention has two settings (bot/compose.py, Calibration): the lowest best sentence/item
similarity that still answers, and how much nearer a not-covered topic (knowledge/not_covered.toml)
may be than the best sentence. Both are chosen on the calibration sets (own, dev and unseen-a) as
the pair that declines most out-of-scope questions while wrongly declining at most 3% of the
answerable ones, in every calibration set at most 5%. unseen-b and the training folders
(bench/data/train, each with 20 out-of-scope questions) are not used to choose: their figures are
printed as the check. Record the result in bot/compose.py's CALIBRATED.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sets import EvalSet, all_sets, prepare, training_sets  # noqa: E402
from bot.bootstrap import embedder  # noqa: E402
from bot.core import index_store  # noqa: E402
from bot.core.embedding import Embedder  # noqa: E402
from bot.core.lexical import Glossary  # noqa: E402
from bot.core.retrieval import Retriever  # noqa: E402
from bot.question import clean  # noqa: E402
from bot.settings import Settings  # noqa: E402

CALIBRATION_SETS = ("own", "dev", "unseen-a", "real-councils", "real-full")
CHECK_SETS = ("unseen-b",)
MAX_FALSE_POOLED = 0.03
MAX_FALSE_PER_SET = 0.05
MIN_SIMILARITIES = np.round(np.arange(0.15, 0.50, 0.01), 2)
MARGINS = np.round(np.arange(-0.15, 0.25, 0.01), 2)

Signals = tuple[np.ndarray, np.ndarray, np.ndarray]  # out of scope?, best similarity, not-covered similarity


def signals(eval_set: EvalSet, settings: Settings, model: Embedder) -> Signals:
    knowledge, root = prepare(eval_set, settings, model)
    retriever = Retriever(index_store.read(root), Glossary.load(knowledge / "glossary.toml"))
    rows = []
    for q in eval_set.load():
        text = clean(q.question).text
        ranking = retriever.search(text, model.encode_one(text), None)
        rows.append((q.out_of_scope, ranking.best_similarity, ranking.not_covered))
    out, best, topic = (np.array(column) for column in zip(*rows, strict=True))
    return out.astype(bool), best, topic


def declines(sig: Signals, min_similarity: float, margin: float) -> tuple[float, float]:
    """(share of out-of-scope questions declined, share of answerable ones declined)."""
    out, best, topic = sig
    declined = (best < min_similarity) | (topic - best > margin)
    return float(declined[out].mean()) if out.any() else 0.0, float(declined[~out].mean())


def main() -> None:
    settings = Settings.from_env()
    model = embedder(settings)
    calibration = {s.name: signals(s, settings, model) for s in all_sets(settings) if s.name in CALIBRATION_SETS}
    pooled: Signals = tuple(np.concatenate(column) for column in zip(*calibration.values(), strict=True))  # type: ignore[assignment]
    candidates = []
    for t in MIN_SIMILARITIES:
        for m in MARGINS:
            declined, false = declines(pooled, t, m)
            per_set = [declines(sig, t, m)[1] for sig in calibration.values()]
            if false <= MAX_FALSE_POOLED and max(per_set) <= MAX_FALSE_PER_SET:
                candidates.append((declined, -false, -t, m))
    declined, _, neg_t, margin = max(candidates)
    # Of equally good margins, the middle of the run is the least sensitive to noise.
    t = -neg_t
    ties = sorted(c[3] for c in candidates if c[0] == declined and c[2] == neg_t)
    margin = ties[len(ties) // 2]
    print(f"model {model.name}: min_similarity={t:.2f} not_covered_margin={margin:.2f}")
    checks = [s for s in all_sets(settings) if s.name in CHECK_SETS] + training_sets()
    for name, sig in [*calibration.items(), *((s.name, signals(s, settings, model)) for s in checks)]:
        d, f = declines(sig, t, margin)
        role = "calibration" if name in calibration else "check"
        print(f"  {name:10} ({role}): declines {d:.0%} of out-of-scope questions, {f:.1%} of answerable ones")
    print("the trade-off on the calibration sets (declined out of scope / wrongly declined answerable):")
    for m in (margin - 0.1, margin - 0.05, margin, margin + 0.05, margin + 0.1):
        points = [(x, *declines(pooled, x, m)) for x in (t - 0.1, t, t + 0.05, t + 0.1)]
        print(f"  margin {m:+.2f}: " + "  ".join(f"t={x:.2f} {d:.0%}/{f:.1%}" for x, d, f in points))


if __name__ == "__main__":
    main()
