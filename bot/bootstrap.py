"""The composition root: the one place that decides which implementations serve the port."""

from __future__ import annotations

from bot.compose import Calibration
from bot.embedding import SentenceTransformerEmbedder
from bot.service import IndexedProtocolBot
from bot.settings import Settings


def embedder(settings: Settings, *, threads: int | None = None) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.model, settings.model_cache, threads=threads or settings.torch_threads)


def bootstrap(settings: Settings | None = None) -> IndexedProtocolBot:
    settings = settings or Settings.from_env()
    model = embedder(settings)
    return IndexedProtocolBot(
        settings.knowledge_dir,
        settings.index_root,
        settings.embedding_cache,
        model,
        calibration=Calibration.for_model(model.name),
        keep_versions=settings.keep_versions,
    )
