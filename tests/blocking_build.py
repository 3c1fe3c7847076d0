"""A real build whose embedder stops until the process is killed, for the killed-build test.

    python -m tests.blocking_build KNOWLEDGE INDEX CACHE SIGNAL

SIGNAL is created once the build has started writing its version and is inside the embedder.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from bot.core import indexing
from tests.background import WAIT_SECONDS
from tests.fakes import HashingEmbedder


class BlockingEmbedder(HashingEmbedder):
    def __init__(self, signal: Path) -> None:
        super().__init__()
        self._signal = signal

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self._signal.touch()
        time.sleep(WAIT_SECONDS)  # the test kills the process long before this ends
        raise TimeoutError("the test did not kill the build")


if __name__ == "__main__":
    knowledge, index, cache, signal = map(Path, sys.argv[1:5])
    indexing.build(knowledge, index, BlockingEmbedder(signal), cache)
