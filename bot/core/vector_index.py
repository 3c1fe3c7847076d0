"""Which FAISS index holds an index version's vectors: exact while small, clustered and compressed when large.

A council's protocols are a few thousand vectors, searched exactly in well under a millisecond. An
index of every council in England (a million clauses) searched exactly takes ~70 ms and 1.5 GB; an
inverted file over 8-bit scalar-quantised vectors (IVF-SQ8) finds the same ten nearest in a couple
of milliseconds and a quarter of the memory (bench/scale.py). The choice is made by size when an
index version is built; PROTOCOL_BOT_EXACT_UP_TO moves the line.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

EXACT_UP_TO = 50_000  # vectors; up to this many, every search is exact
# Clusters an IVF search visits: at least this many, and a fixed share of them as the index grows
# (recall@10 0.97 at a million probing 500 of 4,000 in ~6 ms; bench/scale.py prints the curve).
PROBES = 64
PROBED_SHARE = 1 / 8
_TRAINING_PER_CLUSTER = 64  # k-means sees this many vectors per cluster, a sample of a large index


def build(vectors: np.ndarray, *, exact_up_to: int = EXACT_UP_TO) -> Any:
    """An inner-product index holding `vectors` (unit length, float32), chosen by how many there are."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    count, dimension = vectors.shape
    index: Any
    if count <= exact_up_to:
        index = faiss.IndexFlatIP(dimension)
    else:
        clusters = 4 * int(math.sqrt(count))
        index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dimension), dimension, clusters,
                                              faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(count, min(count, clusters * _TRAINING_PER_CLUSTER), replace=False)
        index.train(vectors[np.sort(sample)])
    index.add(vectors)
    return prepared(index)


def prepared(index: Any) -> Any:
    """An index read or built, set for serving: one thread, and the probes an IVF index searches."""
    import faiss

    # A few thousand vectors are searched in microseconds; OpenMP threads would only add
    # contention with the embedder and the chat servers' worker threads.
    faiss.omp_set_num_threads(1)
    if hasattr(index, "nprobe"):
        index.nprobe = max(PROBES, int(index.nlist * PROBED_SHARE))
    return index
