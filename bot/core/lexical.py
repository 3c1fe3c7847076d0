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
    """Okapi BM25, each term's contribution to each clause worked out once, when the index is loaded.

    A question then adds up a handful of precomputed arrays, so its cost grows with how many clauses
    hold its words rather than with the size of the index.
    """

    def __init__(self, documents: list[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        counts = [Counter(tokens(d)) for d in documents]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
        norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()) if len(lengths) else 1.0, 1.0))
        held: dict[str, tuple[list[int], list[int]]] = {}
        for row, document in enumerate(counts):
            for term, frequency in document.items():
                rows, frequencies = held.setdefault(term, ([], []))
                rows.append(row)
                frequencies.append(frequency)
        self._count = len(documents)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (rows, frequencies) in held.items():
            at, tf = np.array(rows), np.array(frequencies, dtype=np.float32)
            idf = math.log(1 + (self._count - len(rows) + 0.5) / (len(rows) + 0.5))
            self._postings[term] = (at, (idf * tf * (k1 + 1) / (tf + norm[at])).astype(np.float32))

    def scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        out = np.zeros(self._count, dtype=np.float32)
        for term, weight in weighted_terms.items():
            if term in self._postings:
                rows, contribution = self._postings[term]
                out[rows] += weight * contribution  # a term's rows are distinct, so plain indexing adds once
        return out
