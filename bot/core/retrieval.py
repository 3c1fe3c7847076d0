"""Hybrid retrieval: whole-clause vectors, sentence/item vectors and glossary-widened BM25, fused.

Each signal fails differently. A whole-clause vector is diluted when the answer is one item of a
long list; a sentence vector finds that item but misses answers spread over a clause; BM25 catches
rare exact terms ("letterhead", "Freedom of Information") that embeddings blur, and the glossary
lets it match "staff" to "officers". The fused score is a weighted sum of the three, each on a
comparable 0..1 scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.core.index_store import IndexData
from bot.core.lexical import BM25, Glossary, tokens
from knowledge.not_covered import Ask


# Chosen for the councils' adapter over three training runs of it, by the sum of MRR@10 on dev, own, the
# fictional and the real sets (alone and beside the shipped protocols): with BM25 at 0.15 any split of the
# rest from 0.30/0.55 to 0.10/0.75 scored alike, 0.011–0.014 MRR a set above the 0.35/0.45/0.20 chosen for plain
# MiniLM; this is the middle of that plateau. Plain MiniLM scores the same with either.
@dataclass(frozen=True)
class Weights:
    clause: float = 0.20
    piece: float = 0.65
    lexical: float = 0.15
    related_terms: float = 0.5  # a glossary term counts for this much of a word the asker typed


@dataclass(frozen=True)
class Hit:
    clause: int  # row in IndexData.clauses
    score: float  # fused
    similarity: float  # best sentence/item cosine, the signal abstention is calibrated on
    quote_pieces: tuple[int, ...]  # rows in IndexData.pieces to quote: the best, and a near runner-up


@dataclass(frozen=True)
class Taught:
    """Admins' corrections (bot/core/corrections.py) in force: each corrected question's vector, and the
    clause row it is answered by (None: not covered)."""

    vectors: np.ndarray
    clauses: tuple[int | None, ...]
    quotes: tuple[str | None, ...]  # the part of the clause the correction names: what to quote

# A question this close to a corrected one is taken to ask the same: its clause comes first (the full
# boost is more than any fused score), and the correction decides whether it is covered at all.
TAUGHT_SIMILARITY = 0.72
# Below that, down to TAUGHT_FLOOR, a question may be the corrected one reworded: its clause is raised
# in proportion, and only while the corrected question is nearer to it (within TAUGHT_MARGIN) than any
# sentence of the documents, so a question the documents answer well is left to them. Chosen with
# bench/teach.py: the most other wordings found while unrelated questions lose under 0.01 Recall@3.
TAUGHT_FLOOR = 0.5
TAUGHT_MARGIN = 0.05
TAUGHT_BOOST = 1.0


@dataclass(frozen=True)
class Ranking:
    hits: list[Hit]  # every allowed clause, best first
    not_covered: float  # cosine with the closest topic the protocols do not cover (-1 when none)
    taught: float = -1.0  # cosine with the closest question corrected to an allowed clause
    taught_not_covered: float = -1.0  # cosine with the closest question corrected as not covered
    not_covered_topic: int | None = None  # which topic is closest (row in IndexData.not_covered_vectors)
    unanswered: float = -1.0  # cosine with the closest question the documents may not answer (-1 when none)

    # How closely any sentence or item in reach matches: the signal abstention is calibrated on. In reach are
    # all the documents the question may be answered from, also when a council it names narrows `hits`.
    best_similarity: float = -1.0


# A second sentence is quoted when it matches nearly as well as the best: on our own question
# sets the answering sentence is then in the quote about one time in eight more often.
RUNNER_UP_MARGIN = 0.08
# A sentence that limits what the best one grants ("no right to a roving commission" beside "a right to
# inspect any document") is quoted with it from further behind: the right quoted without its limit misleads.
LIMITING_MARGIN = 0.15
_LIMITING = re.compile(
    r"\b(?:no right|not entitled|must not|shall not|should not|may not|cannot|can ?not|will not|never|only (?:if|where|when)|"
    r"except|unless)\b",
    re.IGNORECASE,
)
# A sentence of the clause that names what the asker named and the best one does not ("can someone complain
# about a councillor by phone?": "contact the office" is best, "complaints regarding councillors MUST be made
# in writing" answers) is quoted with it from further behind still.
NAMING_MARGIN = 0.2
QUOTED_CLAUSES = 10  # quotes are chosen for the clauses an answer can show or list as nearest


# Vectors compared with each question: every one in a council's index (a few thousand), the nearest
# this many in a large one; the rest count as unrelated (-1), which is all they could add.
CANDIDATES = 4096


def _scatter(index: object, query: np.ndarray) -> np.ndarray:
    """Cosine of the query with each vector in an inner-product index, in row order (-1 beyond the candidates)."""
    n = index.ntotal  # type: ignore[attr-defined]
    scores, rows = index.search(query.reshape(1, -1), min(n, CANDIDATES))  # type: ignore[attr-defined]
    out = np.full(n, -1.0, dtype=np.float32)
    found = rows[0] >= 0  # an IVF index pads with -1 when its probed clusters hold fewer
    out[rows[0][found]] = scores[0][found]
    return out


class Retriever:
    def __init__(self, data: IndexData, glossary: Glossary, weights: Weights = Weights()) -> None:
        self._data = data
        self._glossary = glossary
        self._weights = weights
        self._piece_clause = np.array([p.clause for p in data.pieces], dtype=np.int64)
        self._clause_pieces = [np.flatnonzero(self._piece_clause == i) for i in range(len(data.clauses))]
        self._bm25 = BM25([" ".join(c.heading_path[-1:]) + " " + c.text for c in data.clauses])
        self._sources = np.array([c.source for c in data.clauses])
        # topics that are questions (not_covered_questions.toml) are weighed apart from the subjects
        asks = data.manifest.not_covered_asks
        self._question_rows = np.array([asks[i] == Ask.DOCUMENTS_MAY_NOT_ANSWER if i < len(asks) else False
                                        for i in range(len(data.not_covered_vectors))], dtype=bool)

    def search(self, question: str, vector: np.ndarray, allowed_sources: frozenset[str] | None,
               taught: Taught | None = None, ranked_by: np.ndarray | None = None,
               ranked_among: frozenset[str] | None = None) -> Ranking:
        """`vector` is the model's own, which coverage and corrections are judged on; `ranked_by`, the
        question's tuned vector (bot/core/question_tuning.py), orders the clauses when there is one.
        `ranked_among` (the documents of a council the question names, bot/core/councils_named.py) narrows
        the clauses ranked; whether the documents cover the question is still judged on all those allowed,
        as a council's clause that answers is no less an answer because another council words it closer."""
        w = self._weights
        own_piece_sim = _scatter(self._data.piece_vectors, vector)
        own_best = self._best_per_clause(own_piece_sim)
        ranking = vector if ranked_by is None else ranked_by
        clause_sim = _scatter(self._data.clause_vectors, ranking)
        piece_sim = own_piece_sim if ranked_by is None else _scatter(self._data.piece_vectors, ranking)
        best_piece_sim = own_best if ranked_by is None else self._best_per_clause(piece_sim)
        asked = tokens(question)
        terms = {t: 1.0 for t in asked}
        terms.update({t: w.related_terms for t in self._glossary.related(asked) if t not in terms})
        lexical = self._bm25.scores(terms)
        if lexical.max() > 0:
            lexical = lexical / lexical.max()
        fused = w.clause * clause_sim + w.piece * best_piece_sim + w.lexical * lexical
        if allowed_sources is not None:
            fused = np.where(np.isin(self._sources, list(allowed_sources)), fused, -np.inf)
        best_sentence = float(own_best[np.isfinite(fused)].max()) if np.isfinite(fused).any() else -1.0
        if ranked_among is not None:
            fused = np.where(np.isin(self._sources, list(ranked_among)), fused, -np.inf)
        similar, similar_not_covered, quoting = self._taught(taught, vector, fused, best_sentence)
        order = [int(i) for i in np.argsort(-fused) if np.isfinite(fused[i])]
        named = frozenset(asked)
        hits = [
            Hit(i, float(fused[i]), float(own_best[i]),
                self._quote_pieces(i, piece_sim, named, quoting.get(i)) if n < QUOTED_CLAUSES else ())
            for n, i in enumerate(order)
        ]
        topics = self._data.not_covered_vectors @ vector
        subjects = np.where(self._question_rows, -np.inf, topics)
        closest = int(subjects.argmax()) if np.isfinite(subjects).any() else None
        not_covered = float(topics[closest]) if closest is not None else -1.0
        unanswered = float(topics[self._question_rows].max()) if self._question_rows.any() else -1.0
        return Ranking(hits, not_covered, similar, similar_not_covered, closest, unanswered, best_sentence)

    def _best_per_clause(self, piece_sim: np.ndarray) -> np.ndarray:
        best = np.full(len(self._data.clauses), -1.0, dtype=np.float32)
        np.maximum.at(best, self._piece_clause, piece_sim)
        return best

    @staticmethod
    def _taught(taught: Taught | None, vector: np.ndarray, fused: np.ndarray,
                best_sentence: float) -> tuple[float, float, dict[int, str]]:
        """Raise the clauses of corrected questions like this one (in place). How like it the closest
        corrected questions are, and the corrections' quotes of the clauses raised."""
        quoting: dict[int, str] = {}
        if taught is None or not len(taught.clauses):
            return -1.0, -1.0, quoting
        similarity = taught.vectors @ vector
        closest, closest_not_covered = -1.0, -1.0
        for sim, row, quote in zip(similarity.tolist(), taught.clauses, taught.quotes, strict=True):
            if row is None:
                closest_not_covered = max(closest_not_covered, sim)
            elif np.isfinite(fused[row]):  # a correction to a document out of scope here counts for nothing
                closest = max(closest, sim)
                # raised only when the corrected question is nearer than anything the documents say:
                # a question the documents answer well is left to them
                if sim > TAUGHT_FLOOR and sim >= best_sentence - TAUGHT_MARGIN:
                    fused[row] += TAUGHT_BOOST * min(1.0, (sim - TAUGHT_FLOOR) / (TAUGHT_SIMILARITY - TAUGHT_FLOOR))
                    if quote:
                        quoting[row] = quote
        return closest, closest_not_covered, quoting

    def _quote_pieces(self, clause: int, piece_sim: np.ndarray, asked: frozenset[str],
                      taught_quote: str | None = None) -> tuple[int, ...]:
        """The best-matching piece, and the runner-up when it is a different sentence nearly as close (or one
        that limits it, or names what the asker named and it does not); for a clause an admin corrected to,
        the sentence holding the part the correction names.

        A sentence may be matched twice (as written and in its asked form), so pieces are told
        apart by their quote.
        """
        rows = self._clause_pieces[clause]
        if not len(rows):
            return ()
        if taught_quote:
            named = " ".join(taught_quote.split())
            holding = [int(r) for r in rows if named in self._data.pieces[r].quote or self._data.pieces[r].quote in named]
            if holding:
                return (holding[0],)
        ranked = rows[np.argsort(-piece_sim[rows], kind="stable")]
        best = int(ranked[0])
        quote = self._data.pieces[best].quote
        others = [int(r) for r in ranked[1:] if self._data.pieces[r].quote != quote]
        near = [r for r in others if piece_sim[r] >= piece_sim[best] - RUNNER_UP_MARGIN]
        if not near and not _LIMITING.search(quote):
            near = [r for r in others if piece_sim[r] >= piece_sim[best] - LIMITING_MARGIN
                    and _LIMITING.search(self._data.pieces[r].quote)]
        if not near and (unnamed := asked.difference(tokens(quote))):
            near = [r for r in others if piece_sim[r] >= piece_sim[best] - NAMING_MARGIN
                    and not unnamed.isdisjoint(tokens(self._data.pieces[r].quote))]
        return (best, near[0]) if near else (best,)
