"""The composition root: the one place that decides which implementations serve the port."""

from __future__ import annotations

from bot.embedding import SentenceTransformerEmbedder
from bot.service import IndexedProtocolBot
from bot.settings import Settings


def embedder(settings: Settings, *, threads: int | None = None) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.model, settings.model_cache, threads=threads or settings.torch_threads)


def bootstrap(settings: Settings | None = None) -> IndexedProtocolBot:
    settings = settings or Settings.from_env()
    return IndexedProtocolBot(settings.knowledge_dir, settings.index_root, settings.embedding_cache, embedder(settings))
