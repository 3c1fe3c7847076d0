"""Microsoft Teams front end, on the Microsoft 365 Agents SDK (or botbuilder, see settings.py).
Everything Teams-specific lives in this folder.

`protocol-bot teams` calls `serve(conversation, teams_settings, port)`; tests build the aiohttp app with `build_app`.
"""

from adapters.teams.server import build_app, serve
from adapters.teams.settings import TeamsSettings

__all__ = ["TeamsSettings", "build_app", "serve"]
