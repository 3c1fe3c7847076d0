"""The bot's Azure registration and which SDK hosts it, read from the environment.

The registration is read from the names the Azure docs use for Bot Framework bots (MicrosoftAppId, …) and
from the Microsoft 365 Agents SDK's own names (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, …), so
a deployment moving between the two keeps its settings and its Azure bot registration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum

from bot.settings import choice

HOST_SETTING = "PROTOCOL_BOT_TEAMS_HOST"
_AGENTS_SDK = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


class TeamsHost(StrEnum):
    """The SDK the Teams endpoint runs on; everything above it (translate, render) is shared."""

    AGENTS = "agents"  # the Microsoft 365 Agents SDK, the supported one
    BOTBUILDER = "botbuilder"  # the Bot Framework SDK, out of support since 2025-12-31


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""  # empty: no authentication, for the Bot Framework Emulator on this machine
    app_password: str = ""
    app_type: str = "MultiTenant"  # or SingleTenant (needs tenant_id), UserAssignedMSI
    tenant_id: str = ""
    host: TeamsHost = TeamsHost.AGENTS
    # Where the keys that sign the channel's tokens are published. None means the Azure Bot Service;
    # set it only for another identity provider, such as the one the end-to-end tests run.
    openid_metadata_url: str | None = None

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> TeamsSettings:
        env = dict(os.environ if env is None else env)

        def either(azure: str, agents_sdk: str) -> str:
            return (env.get(azure, "").strip() or env.get(_AGENTS_SDK + agents_sdk, "")).strip()

        return cls(
            app_id=either("MicrosoftAppId", "CLIENTID"),
            # a password is taken as written: leading or trailing spaces may be part of it
            app_password=env.get("MicrosoftAppPassword", "") or env.get(_AGENTS_SDK + "CLIENTSECRET", ""),
            app_type=env.get("MicrosoftAppType", "").strip() or cls.app_type,
            tenant_id=either("MicrosoftAppTenantId", "TENANTID"),
            host=TeamsHost(choice(env, HOST_SETTING, tuple(TeamsHost), TeamsHost.AGENTS)),
        )
