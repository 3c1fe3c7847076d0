"""BM25 over clause text, with the council glossary widening the question's words."""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    """a an and are as at be been being but by can could do does did for from had has have he her
    him his i if in into is it its me my no not of on or our she should so some such than that the
    their them then there these they this to too us was we were what when where which who whom why
    will with would you your yours about am any all may might must shall also just""".split()
)


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'councillors'/'councillor', 'copied'/'copy'."""
    for suffix, replacement in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def tokens(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


class Glossary:
    def __init__(self, groups: list[list[str]]) -> None:
        self._groups = [[tuple(tokens(term)) for term in group] for group in groups]

    @classmethod
    def load(cls, path: Path) -> Glossary:
        return cls(tomllib.loads(path.read_text(encoding="utf-8")).get("groups", []))

    def related(self, query_tokens: list[str]) -> list[str]:
        """Tokens of every glossary term in a group that the question touches, minus its own."""
        present = set(query_tokens)
        joined = " " + " ".join(query_tokens) + " "
        extra: list[str] = []
        for group in self._groups:
            if any(term and (" " + " ".join(term) + " ") in joined for term in group):
                extra.extend(t for term in group for t in term if t not in present)
        return list(dict.fromkeys(extra))


class BM25:
    def __init__(self, documents: list[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self._docs = [Counter(tokens(d)) for d in documents]
        lengths = np.array([sum(c.values()) for c in self._docs], dtype=np.float32)
        self._norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()) if len(lengths) else 1.0, 1.0))
        self._k1 = k1
        frequency: Counter[str] = Counter()
        for counts in self._docs:
            frequency.update(counts.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        out = np.zeros(len(self._docs), dtype=np.float32)
        for i, counts in enumerate(self._docs):
            total = 0.0
            for term, weight in weighted_terms.items():
                tf = counts.get(term)
                if tf:
                    total += weight * self._idf[term] * tf * (self._k1 + 1) / (tf + self._norm[i])
            out[i] = total
        return out
