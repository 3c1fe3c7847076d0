"""Adapting all-mpnet-base-v2 to the protocols' own text, without any labelled questions.

Pairs come from the documents themselves: each sentence or list item with the clause it belongs
to, each heading with its clauses, and a templated question ("Can councillors ...?") made from every
"should / must / may" sentence with its clause. One epoch of in-batch-negatives training on those
pairs teaches the encoder this vocabulary; on our own held-out questions it lifted Recall@3 by about
seven points over the base model (see README). Roughly ten minutes on two cores, done once at install.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bot.sentences import pieces
from knowledge.clause import Clause

_RULE = re.compile(
    r"^(?P<who>.{3,80}?)\s+(?:should not|must not|shall not|will not|cannot|should never|must never|should|must|"
    r"shall|may|are expected to|is expected to)\s+(?P<what>.{5,})$",
    re.IGNORECASE,
)
BATCH = 16
MAX_TOKENS = 200
LEARNING_RATE = 2e-5
WARMUP_STEPS = 10
SEED = 0


def templated_question(sentence: str) -> str | None:
    found = _RULE.match(sentence.rstrip(".;:"))
    if not found:
        return None
    who = found["who"]
    return f"Can {who[0].lower()}{who[1:]} {found['what']}?"


def training_pairs(clauses: Iterable[Clause]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for clause in clauses:
        target = clause.text[:1000]
        for piece in pieces(clause.text):
            if len(piece.quote) > 25 and piece.quote != clause.text:
                pairs.append((piece.embed_text, target))
            question = templated_question(piece.quote)
            if question:
                pairs.append((question, target))
        if clause.heading_path:
            pairs.append((clause.heading_path[-1], target))
    random.Random(SEED).shuffle(pairs)
    return pairs


def tune(base_folder: str, target: Path, pairs: list[tuple[str, str]], *, threads: int = 2) -> Path:
    """Train on the pairs and save to `target`, replacing it only once training has finished."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    model = SentenceTransformer(base_folder, device="cpu")
    model.max_seq_length = MAX_TOKENS
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    model.train()

    def embed(texts: list[str]) -> torch.Tensor:
        features = model.preprocess(texts)
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)

    steps = len(pairs) // BATCH
    for step in tqdm(range(steps), desc="tuning the model to the protocols"):
        batch = pairs[step * BATCH : (step + 1) * BATCH]
        # Every other clause in the batch is a negative for this sentence (in-batch negatives).
        logits = embed([a for a, _ in batch]) @ embed([b for _, b in batch]).T * 20.0
        loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
        for group in optimiser.param_groups:
            group["lr"] = LEARNING_RATE * min(1.0, (step + 1) / WARMUP_STEPS)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tuning-"))
    model.save(str(staging))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target
