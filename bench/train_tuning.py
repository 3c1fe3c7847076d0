"""Fit the question tuning (bot/core/question_tuning.py) for the configured model, and write it.

    .venv/bin/python bench/train_tuning.py              # writes bot/core/tuning/<model>.npy
    .venv/bin/python bench/train_tuning.py --seed 2 --out /tmp/t2.npy   # a resampled run, for the spread

Trained only on bench/data/train/: fictional councils' documents in the layouts real councils publish,
with questions in chat wording, written for training and never scored (bench/data/train/README.md).
Each folder is indexed as a council would index it (bench/sets.prepare); a question's positives are
the sentences and items of the clause holding its gold snippet, its negatives every other sentence of
its folder. The map A starts at zero (questions as they are) and is fitted full-batch with an L2 pull
back towards zero, so it corrects wording rather than learning the training councils. `--seed 0` uses
every question once; another seed draws a bootstrap sample of them, so three seeds show how much the
result depends on which questions were written. Takes under a minute once the folders are embedded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sets import EvalSet, gold_pieces, prepare, sentence_vectors, training_sets  # noqa: E402
from bot.bootstrap import embedder  # noqa: E402
from bot.core import index_store  # noqa: E402
from bot.core.embedding import Embedder  # noqa: E402
from bot.core.question_tuning import tuning_file  # noqa: E402
from bot.settings import Settings  # noqa: E402

L2 = 0.003  # chosen from 0.003, 0.01, 0.03 (and 50 or 100 epochs) on real-councils and real-full alone
EPOCHS = 50
TEMPERATURE = 0.05  # the sharpness of the softmax over a folder's sentences
LEARNING_RATE = 1e-3


def examples(eval_set: EvalSet, settings: Settings, model: Embedder) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(question vector, the folder's sentence vectors, which of them belong to an answering clause)."""
    _, root = prepare(eval_set, settings, model)
    data = index_store.read(root)
    sentences = sentence_vectors(data)
    questions = [q for q in eval_set.load() if not q.out_of_scope]
    vectors = model.encode([q.question for q in questions])
    out = []
    for question, vector in zip(questions, vectors, strict=True):
        positive = gold_pieces(data, question)
        if positive.any():
            out.append((vector, sentences, positive))
    return out


def fit(data: list[tuple[np.ndarray, np.ndarray, np.ndarray]], seed: int) -> np.ndarray:
    import torch  # heavy: only this script trains

    torch.manual_seed(seed)
    rows = range(len(data)) if seed == 0 else np.random.default_rng(seed).integers(0, len(data), len(data))
    batch = [(torch.tensor(data[i][0]), torch.tensor(data[i][1]), torch.tensor(data[i][2])) for i in rows]
    size = batch[0][0].shape[0]
    matrix = torch.zeros(size, size, requires_grad=True)
    optimiser = torch.optim.Adam([matrix], lr=LEARNING_RATE)
    for _ in range(EPOCHS):
        optimiser.zero_grad()
        loss = torch.zeros(())
        for question, sentences, positive in batch:
            moved = question + matrix @ question
            logits = sentences @ (moved / moved.norm()) / TEMPERATURE
            loss = loss + torch.logsumexp(logits, 0) - torch.logsumexp(logits[positive], 0)
        loss = loss / len(batch) + L2 * (matrix**2).sum()
        loss.backward()
        optimiser.step()
    return np.asarray(matrix.detach().numpy(), dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="0: every question once; else a bootstrap sample")
    parser.add_argument("--out", type=Path, help="where to write it (default: the model's file in bot/core/tuning/)")
    args = parser.parse_args()
    settings = Settings.from_env()
    folders = training_sets()
    model = embedder(settings)
    data = [one for folder in folders for one in examples(folder, settings, model)]
    matrix = fit(data, args.seed)
    out = args.out or tuning_file(model.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, matrix)
    print(f"{len(data)} questions from {len(folders)} folders; |A| = {np.linalg.norm(matrix):.3f}; written to {out}")


if __name__ == "__main__":
    main()
