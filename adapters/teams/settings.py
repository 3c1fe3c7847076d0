"""The Bot Framework registration, read from the environment variable names the Azure docs use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import SimpleNamespace

from botframework.connector.auth import AuthenticationConstants, CallerIdConstants


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""  # empty: no authentication, for the Bot Framework Emulator on this machine
    app_password: str = ""
    app_type: str = "MultiTenant"  # or SingleTenant (needs tenant_id), UserAssignedMSI
    tenant_id: str = ""
    # Where the keys that sign the channel's tokens are published. None means the Azure Bot Service;
    # set it only for another identity provider, such as the one the end-to-end tests run.
    openid_metadata_url: str | None = None

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> TeamsSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            app_id=env.get("MicrosoftAppId", "").strip(),
            app_password=env.get("MicrosoftAppPassword", ""),
            app_type=env.get("MicrosoftAppType", "").strip() or cls.app_type,
            tenant_id=env.get("MicrosoftAppTenantId", "").strip(),
        )

    def sdk_configuration(self) -> SimpleNamespace:
        """The object ConfigurationBotFrameworkAuthentication reads its settings from."""
        config = SimpleNamespace(
            APP_ID=self.app_id,
            APP_PASSWORD=self.app_password,
            APP_TYPE=self.app_type,
            APP_TENANTID=self.tenant_id,
        )
        if self.openid_metadata_url:
            # Setting any endpoint switches the SDK from its built-in public cloud to explicit
            # endpoints, so every other one keeps its public-cloud value.
            config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = self.openid_metadata_url
            config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            )
            config.TO_CHANNEL_FROM_BOT_LOGIN_URL = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
            config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            config.OAUTH_URL = AuthenticationConstants.OAUTH_URL
            config.CALLER_ID = CallerIdConstants.public_azure_channel
        return config
