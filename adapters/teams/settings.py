"""The bot's Azure registration and which SDK hosts it, read from the environment.

The registration is read from the names the Azure docs use for Bot Framework bots (MicrosoftAppId, …) and
from the Microsoft 365 Agents SDK's own names (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, …), so
a deployment moving between the two keeps its settings and its Azure bot registration.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, BeforeValidator, Field, StringConstraints

from bot.settings import FromEnvironment, one_of

HOST_SETTING = "PROTOCOL_BOT_TEAMS_HOST"
_AGENTS_SDK = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


class TeamsHost(StrEnum):
    """The SDK the Teams endpoint runs on; everything above it (translate, render) is shared."""

    AGENTS = "agents"  # the Microsoft 365 Agents SDK, the supported one
    BOTBUILDER = "botbuilder"  # the Bot Framework SDK, out of support since 2025-12-31


def _either(azure: str, agents_sdk: str) -> AliasChoices:
    """The Azure docs' name for a setting, else the Agents SDK's."""
    return AliasChoices(azure, _AGENTS_SDK + agents_sdk)


Stripped = Annotated[str, StringConstraints(strip_whitespace=True)]


class TeamsSettings(FromEnvironment):
    # empty: no authentication, for the Bot Framework Emulator on this machine
    app_id: Stripped = Field("", validation_alias=_either("MicrosoftAppId", "CLIENTID"))
    # a password is taken as written: leading or trailing spaces may be part of it
    app_password: str = Field("", validation_alias=_either("MicrosoftAppPassword", "CLIENTSECRET"))
    # or SingleTenant (needs tenant_id), UserAssignedMSI
    app_type: Stripped = Field("MultiTenant", validation_alias="MicrosoftAppType")
    tenant_id: Stripped = Field("", validation_alias=_either("MicrosoftAppTenantId", "TENANTID"))
    host: Annotated[TeamsHost, BeforeValidator(one_of(tuple(TeamsHost)))] = Field(
        TeamsHost.AGENTS, validation_alias=HOST_SETTING)
    # Where the keys that sign the channel's tokens are published. None means the Azure Bot Service;
    # set it only for another identity provider, such as the one the end-to-end tests run.
    openid_metadata_url: str | None = None

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)
