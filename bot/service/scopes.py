"""Which documents answer where: a chat platform's tenant, team or channel mapped to its documents.

One council's workspace should hear only its own protocol. The file maps ids to document file names:

    [slack.channels]
    C0123ABCD = ["000_071d258fd975c70b.txt"]

A channel's entry beats its team's, and a team's beats its tenant's; where nothing matches, every
document answers. Unknown document names stop the bot at start-up, because a misspelt name would
otherwise leave that channel silently answered from nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot import messages
from bot.answer import Scope
from bot.core.knowledge_problems import worded
from bot.errors import ScopesError
from bot.settings import Settings
from knowledge import documents

# The levels each platform has, most specific first; a platform's `resolve` ids are named after them.
LEVELS = {
    "slack": ("channels", "teams"),
    "teams": ("channels", "teams", "tenants"),
}

# (platform, level) -> id -> scope
_Table = Mapping[tuple[str, str], Mapping[str, Scope]]


@dataclass(frozen=True)
class Scopes:
    table: _Table = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, known: Collection[str]) -> Scopes:
        """Read a scopes file, checking every document it names is one of `known` (file names)."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ScopesError(messages.SCOPES_UNREADABLE.format(name=path, detail=exc)) from exc
        table: dict[tuple[str, str], dict[str, Scope]] = {}
        unknown: set[str] = set()
        for platform, levels in raw.items():
            if platform not in LEVELS or not isinstance(levels, dict):
                raise ScopesError(messages.SCOPES_BAD_SECTION.format(name=path, section=platform))
            for level, ids in levels.items():
                if level not in LEVELS[platform] or not isinstance(ids, dict):
                    raise ScopesError(messages.SCOPES_BAD_SECTION.format(name=path, section=f"{platform}.{level}"))
                for place, names in ids.items():
                    if not isinstance(names, list) or not all(isinstance(d, str) for d in names):
                        raise ScopesError(messages.SCOPES_BAD_ENTRY.format(name=path, entry=f"{platform}.{level}.{place}"))
                    unknown.update(d for d in names if d not in known)
                    table.setdefault((platform, level), {})[place] = Scope(frozenset(names))
        if unknown:
            raise ScopesError(messages.SCOPES_UNKNOWN_DOCUMENTS.format(name=path, documents=", ".join(sorted(unknown))))
        return cls(table)

    @classmethod
    def for_settings(cls, settings: Settings) -> Scopes:
        """The configured scopes; a knowledge folder without a scopes file answers from every document.

        A file named in PROTOCOL_BOT_SCOPES must exist, so a mistyped path is not quietly ignored.
        """
        path = settings.scopes_path
        if settings.scopes_file is None and not path.is_file():
            return cls()
        with worded():
            known = {p.name for p in documents.find(settings.knowledge_dir / "protocols")}
        return cls.load(path, known)

    def resolve(
        self, platform: str, *, team: str | None = None, channel: str | None = None, tenant: str | None = None
    ) -> Scope | None:
        """The scope of the most specific place that has one, or None: every document."""
        ids = {"channels": channel, "teams": team, "tenants": tenant}
        for level in LEVELS[platform]:
            place = ids[level]
            scope = self.table.get((platform, level), {}).get(place) if place else None
            if scope is not None:
                return scope
        return None
