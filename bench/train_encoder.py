"""Fit the councils' adapter to MiniLM (bot/core/model_weights.py, MINILM_COUNCILS), and write it.

    .venv/bin/python bench/train_encoder.py              # writes bot/core/tuning/all-MiniLM-L6-v2-councils-2.safetensors
    .venv/bin/python bench/train_encoder.py --seed 2 --out /tmp/a2.safetensors   # a resampled run, for the spread

People ask in everyday words and councils write in their own; plain MiniLM puts "sarcastic WhatsApp
messages" far from "show respect and consideration for others". This teaches the encoder itself which
wordings answer which questions, on the 1,350 questions of bench/data/train/ and bench/data/unseen-c/
(fictional councils' documents and chat-style questions, written in our own words and not scored). Each
question is paired with the sentence of its answering clause plain MiniLM finds closest and with that
whole clause; its folder's three closest sentences of other clauses are its hard negatives, and the rest
of a batch's sentences count against it too. Only low-rank factors beside each of the encoder's weight
matrices are learnt (rank 16, 2.7 MB): the model keeps what it knew, and the file is small enough to
ship. One pass over the questions: fifteen to twenty-five minutes on two cores, peaking at 1.5 GB
resident (see `_return_freed_memory`). A rerun writes the shipped file byte for byte; a file that
differs needs a new model name (bot/core/model_weights.py). `--seed 0` uses every question once in a
fixed order; another seed draws a bootstrap sample of them, for the spread.
"""

from __future__ import annotations

import argparse
import ctypes
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sets import EvalSet, encoder_training_sets, gold_pieces, prepare, sentence_vectors  # noqa: E402
from bot.core import index_store  # noqa: E402
from bot.core.embedding import Embedder  # noqa: E402
from bot.core.model_weights import MINILM, MINILM_COUNCILS, adapter_file, resolve  # noqa: E402
from bot.core.onnx_embedding import OnnxEmbedder  # noqa: E402
from bot.core.sentences import pieces  # noqa: E402
from bot.settings import Settings  # noqa: E402

RANK = 16
LEARNING_RATE = 3e-4
BATCH = 16
HARD_NEGATIVES = 3
TEMPERATURE = 0.05  # as the question tuning's
MAX_TOKENS = 128


def examples(eval_set: EvalSet, settings: Settings, model: Embedder) -> list[tuple[str, str, str, list[str]]]:
    """(question, its closest answering sentence, that sentence's clause, the closest other sentences), the
    closest by `model` (plain MiniLM)."""
    _, root = prepare(eval_set, settings, model)
    data = index_store.read(root)
    texts = [piece.embed_text for clause in data.clauses for piece in pieces(clause.text)]  # as the build embeds them
    sentences = sentence_vectors(data)
    questions = [q for q in eval_set.load() if not q.out_of_scope]
    out = []
    for question, vector in zip(questions, model.encode([q.question for q in questions]), strict=True):
        positive = gold_pieces(data, question)
        if not positive.any():
            continue
        similarity = sentences @ vector
        rows = np.flatnonzero(positive)
        best = int(rows[np.argmax(similarity[rows])])
        negatives = [texts[r] for r in np.argsort(-similarity) if not positive[r]][:HARD_NEGATIVES]
        out.append((question.question, texts[best], data.clauses[data.pieces[best].clause].text, negatives))
    return out


def _return_freed_memory() -> None:
    """Give large blocks back to the system as soon as torch frees them. glibc keeps freed heap memory for
    reuse, so a training step's activations, freed after each backward pass, held the run at 2.5-3.3 GB
    resident; served from their own mappings (M_MMAP_THRESHOLD = -3, at 64 KiB) the run peaks at 1.5 GB, for
    a fifth more time. The arithmetic is untouched: the written factors are the same byte for byte."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc only; elsewhere the allocator decides
    if mallopt is not None:
        mallopt(-3, 64 * 1024)


def fit(data: list[tuple[str, str, str, list[str]]], settings: Settings, seed: int) -> dict[str, np.ndarray]:
    import torch  # heavy: only this script trains
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    order = random.Random(seed)
    rows = list(range(len(data))) if seed == 0 else [order.randrange(len(data)) for _ in data]
    order.shuffle(rows)
    model = SentenceTransformer(resolve(MINILM, settings.model_cache), device="cpu")
    model.max_seq_length = MAX_TOKENS
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    factors: dict[str, tuple[Any, Any]] = {}
    encoder = model[0].auto_model
    for name, module in list(encoder.named_modules()):
        if isinstance(module, torch.nn.Linear) and name.startswith("encoder.layer."):
            a = torch.nn.Parameter(torch.randn(RANK, module.in_features) / module.in_features**0.5)
            b = torch.nn.Parameter(torch.zeros(module.out_features, RANK))
            factors[name] = (a, b)
            module.register_forward_hook(lambda _m, args, out, a=a, b=b: out + (args[0] @ a.T) @ b.T)
    # recompute each layer's activations for the backward pass instead of keeping them: the same factors, byte
    # for byte, at about half the peak memory (non-reentrant: only the factors, not the layers' inputs, need
    # gradients)
    encoder.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    optimiser = torch.optim.AdamW([p for pair in factors.values() for p in pair], lr=LEARNING_RATE)

    def embed(texts: list[str]) -> Any:
        return torch.nn.functional.normalize(model(model.preprocess(texts))["sentence_embedding"], dim=-1)

    model.train()
    for start in range(0, len(rows), BATCH):
        batch = [data[i] for i in rows[start:start + BATCH]]
        candidates, owner = [], []
        for n, (_, sentence, clause, negatives) in enumerate(batch):
            candidates += [sentence, clause, *negatives]
            owner += [n, n] + [-1] * len(negatives)
        logits = embed([q for q, *_ in batch]) @ embed(candidates).T / TEMPERATURE
        mine = torch.tensor(owner).unsqueeze(0) == torch.arange(len(batch)).unsqueeze(1)
        loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~mine, -1e9), 1)).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return {f"{name}.{part}": tensor.detach().numpy().astype(np.float32)
            for name, pair in factors.items() for part, tensor in zip("ab", pair, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="0: every question once; else a bootstrap sample")
    parser.add_argument("--out", type=Path, help=f"where to write it (default: {adapter_file(MINILM_COUNCILS)})")
    args = parser.parse_args()
    from safetensors.numpy import save_file

    _return_freed_memory()
    settings = Settings.from_env()
    folders = encoder_training_sets()
    plain = OnnxEmbedder(MINILM, settings.model_cache, threads=settings.threads)
    data = [one for folder in folders for one in examples(folder, settings, plain)]
    factors = fit(data, settings, args.seed)
    out = args.out or adapter_file(MINILM_COUNCILS)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(factors, str(out))
    print(f"{len(data)} questions from {len(folders)} folders; {len(factors) // 2} matrices adapted; written to {out}")


if __name__ == "__main__":
    main()
