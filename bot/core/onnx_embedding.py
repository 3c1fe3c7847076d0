"""The embedding model run by ONNX Runtime: the same vectors as sentence-transformers, without torch.

On two CPU cores a question is embedded about twice as fast as through torch, a process starts in
well under a second instead of importing torch, and it holds a few hundred MB less. The model is
loaded once with sentence-transformers, exported to ONNX and kept under the models folder
(`<model>-onnx/`); only that export imports torch.

sentence-transformers' own ONNX export needs optimum-onnx, which pins transformers below 5 while
sentence-transformers 6 needs 5 or later, so the export here is torch.onnx's, from the model
sentence-transformers loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from bot import messages
from bot.core.embedding import Embedder
from bot.core.model_weights import canonical_name, resolve
from bot.errors import ModelUnavailable

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "export.json"  # what the export kept of the sentence-transformers model
BATCH = 32
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_folder(model: str, cache: Path) -> Path:
    return cache / f"{canonical_name(model)}-onnx"


def export(model: str, cache: Path) -> Path:
    """Export the model once (a few seconds); later calls find it. Safe against concurrent exports."""
    target = export_folder(model, cache)
    if (target / CONFIG_FILE).is_file():
        return target
    import torch
    from sentence_transformers import SentenceTransformer

    location = resolve(model, cache)
    st = SentenceTransformer(location, device="cpu")
    pooling: list[Any] = [module for module in st if type(module).__name__ == "Pooling"]
    if not pooling or pooling[0].get_config_dict().get("pooling_mode") != "mean":
        raise ModelUnavailable(messages.MODEL_NOT_EXPORTABLE.format(model=canonical_name(model)))
    transformer: Any = st[0].auto_model
    transformer.eval()
    sample = st.tokenizer(["an example", "another, longer example sentence"], padding=True, return_tensors="pt")
    inputs = [name for name in _INPUTS if name in sample]

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors: torch.Tensor) -> Any:
            return self.transformer(**dict(zip(inputs, tensors, strict=True))).last_hidden_state

    cache.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so an interrupted or concurrent export never leaves half a model.
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".onnx-"))
    try:
        axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
        # the exporter warns about tracing details that do not apply to these models; admins need not read them
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(LastHiddenState(), tuple(sample[name] for name in inputs), str(staging / MODEL_FILE),
                              input_names=inputs, output_names=["last_hidden_state"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        st.tokenizer.backend_tokenizer.save(str(staging / TOKENIZER_FILE))
        config = {"inputs": inputs, "max_tokens": st.max_seq_length}
        (staging / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
        os.replace(staging, target)
    except OSError:
        if not (target / CONFIG_FILE).is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class OnnxEmbedder(Embedder):
    def __init__(self, model: str, cache: Path, *, threads: int = 1) -> None:
        self.name = canonical_name(model)  # the same vectors as sentence-transformers', so the same name
        self._setting = model
        self._cache = cache
        self._threads = threads
        self._loaded: tuple[Any, Any, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any, dict[str, Any]]:
        with self._lock:
            if self._loaded is None:
                import onnxruntime
                from tokenizers import Tokenizer

                folder = export(self._setting, self._cache)
                config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
                tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
                tokenizer.enable_truncation(config["max_tokens"])
                tokenizer.enable_padding()
                options = onnxruntime.SessionOptions()
                # One thread keeps a question's latency steady when another process wants the CPU.
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                session = onnxruntime.InferenceSession(str(folder / MODEL_FILE), options,
                                                       providers=["CPUExecutionProvider"])
                self._loaded = (session, tokenizer, config)
            return self._loaded

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        session, tokenizer, config = self._load()
        out = np.zeros((len(texts), 0), dtype=np.float32)
        # Batches of texts of similar length pad least: the build embeds a thousand sentences at once.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            vectors = self._batch(session, tokenizer, config, [texts[i] for i in rows])
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    @staticmethod
    def _batch(session: Any, tokenizer: Any, config: dict[str, Any], texts: list[str]) -> np.ndarray:
        encoded = tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        arrays = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64), "attention_mask": mask,
                  "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
        hidden = session.run(None, {name: arrays[name] for name in config["inputs"]})[0]
        # mean pooling over the real tokens, as the sentence-transformers model does, then unit length
        vectors = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.asarray(vectors, dtype=np.float32)
