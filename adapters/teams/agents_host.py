"""The Teams bot on the Microsoft 365 Agents SDK (microsoft-agents-hosting-aiohttp), the default host.

The bot's own settings (adapters/teams/settings.py) become the SDK's service connection, so an Azure bot
registration made for the Bot Framework SDK works unchanged: a multi-tenant app signs in at the
botframework.com tenant, as it did there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, cast

import aiohttp
from jwt import PyJWK
from microsoft_agents.activity import Activity, ActivityTypes, ConversationReference, InvokeResponse
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AccessTokenProviderBase, TurnContext
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AuthTypes,
    ClaimsIdentity,
    ConnectionManager,
)
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import _JwkClientManager

from adapters.teams.host import Host, InvokeReply, Json, Refused, SendFailure, Turn, TurnHandler
from adapters.teams.settings import TeamsSettings

TokenProviders = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]
_SERVICE_CONNECTION = "SERVICE_CONNECTION"
_MULTI_TENANT = "botframework.com"  # the tenant a multi-tenant Bot Framework app signs in at
_AUTH_TYPES = {"UserAssignedMSI": AuthTypes.user_managed_identity}


class AgentsTurn(Turn):
    def __init__(self, context: TurnContext, activity: Json | None = None) -> None:
        self._context = context
        self._activity = activity if activity is not None else _json(context.activity)

    @property
    def activity(self) -> Json:
        return self._activity

    async def send(self, activity: Json) -> str | None:
        return (await self._context.send_activity(Activity.model_validate(activity))).id

    async def update(self, activity: Json) -> None:
        await self._context.update_activity(Activity.model_validate(activity))


class AgentsHost(Host):
    """`token_providers` makes what signs replies in to Azure AD (MSAL; a stand-in in tests)."""

    def __init__(self, teams: TeamsSettings, token_providers: TokenProviders = MsalAuth) -> None:
        self._teams = teams
        connection = AgentAuthConfiguration(
            auth_type=_AUTH_TYPES.get(teams.app_type, AuthTypes.client_secret),
            client_id=teams.app_id or None,
            tenant_id=(teams.tenant_id if teams.app_type == "SingleTenant" else None) or _MULTI_TENANT,
            client_secret=teams.app_password or None,
            # the SDK leaves the issuer unchecked unless asked; the Bot Framework SDK always checked it
            validate_issuer=True,
        )
        self._validator = JwtTokenValidator(connection)
        if teams.openid_metadata_url:
            self._validator._jwk_client_manager = _KeysFrom(teams.openid_metadata_url)
        self._adapter = CloudAdapter(connection_manager=ConnectionManager(
            token_providers, connections_configurations={_SERVICE_CONNECTION: connection}))

    def readable(self, activity: Json) -> bool:
        return _readable(activity) is not None

    async def authenticate(self, activity: Json, authorization: str | None) -> object:
        if not self._teams.authenticated:
            return ClaimsIdentity()  # anonymous: the Emulator's mode
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused("no bearer token")
        try:
            identity = await self._validator.validate_token(token.strip())
        except Exception as error:  # PyJWT's errors, ValueError, a key the keys endpoint does not have
            raise Refused(repr(error)) from error
        # A channel token names the service it was issued for; the SDK only logs a mismatch.
        if identity.get_claim_value("serviceurl") != activity.get("serviceUrl"):
            raise Refused("the token was issued for another service URL")
        return identity

    async def process(self, identity: object, activity: Json, handler: TurnHandler) -> InvokeReply | None:
        async def turn(context: TurnContext) -> None:
            reply = await handler(AgentsTurn(context, activity))
            if reply is not None:
                await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                     value=InvokeResponse(status=reply.status, body=reply.body)))

        readable = _readable(activity)
        if readable is None:
            raise ValueError("the activity is not one the SDK can read")
        response = await self._adapter.process_activity(cast(ClaimsIdentity, identity), readable, turn)
        return InvokeReply(response.status, cast(Json | None, response.body)) if response else None

    async def continue_conversation(self, reference: Json, send: Callable[[Turn], Awaitable[None]]) -> None:
        conversation = ConversationReference.model_validate(reference)

        async def turn(context: TurnContext) -> None:
            # the SDK threads a reply under its turn's activity: here, the one the reference names
            context.activity.id = conversation.activity_id or context.activity.id
            await send(AgentsTurn(context))

        identity = (self._adapter.create_claims_identity(self._teams.app_id) if self._teams.authenticated
                    else ClaimsIdentity())
        await self._adapter.continue_conversation_with_claims(
            identity, conversation.get_continuation_activity(), turn, identity.get_token_audience())

    def failure(self, error: Exception) -> SendFailure | None:
        if isinstance(error, aiohttp.ClientResponseError):
            retry_after = error.headers.get("Retry-After") if error.headers else None
            return SendFailure(error.status, float(retry_after) if retry_after and retry_after.isdigit() else None)
        if isinstance(error, aiohttp.ClientConnectionError | asyncio.TimeoutError):
            return SendFailure(None)
        return None

    def on_error(self, handler: Callable[[Turn, Exception], Awaitable[None]]) -> None:
        async def on_turn_error(context: TurnContext, error: Exception) -> None:
            await handler(AgentsTurn(context), error)

        self._adapter.on_turn_error = on_turn_error


class _KeysFrom(_JwkClientManager):
    """The channel's signing keys from another identity provider's OpenID metadata (the SDK fetches
    them from the Bot Framework's own address, with no setting to change it)."""

    def __init__(self, openid_metadata_url: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._metadata_url = openid_metadata_url
        self._jwks_uri: str | None = None

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        if self._jwks_uri is None:
            self._jwks_uri = await asyncio.to_thread(_jwks_uri, self._metadata_url)
        return await super().get_signing_key(self._jwks_uri, header)


def _jwks_uri(openid_metadata_url: str) -> str:
    with urllib.request.urlopen(openid_metadata_url, timeout=10) as response:  # noqa: S310 (a configured URL)
        return str(json.load(response)["jwks_uri"])


# Lists the bot reads from the JSON itself (translate.py), where one item of the wrong shape (a null, a
# mention naming nobody) makes the SDK refuse the whole activity; the SDK gets only the items it can read.
_TIDIED = ("entities", "membersAdded", "membersRemoved")
_checking = ContextVar("_checking", default=False)


class _QuietWhileChecking(logging.Filter):
    """The SDK logs every activity it cannot read as an error with a traceback; one the bot is only checking
    (a forged or broken body, answered with a 400 and a line of the bot's own) is not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _checking.get()


logging.getLogger("microsoft_agents.activity.activity").addFilter(_QuietWhileChecking())


@contextlib.contextmanager
def _quietly() -> Iterator[None]:
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)


def _readable(activity: Json) -> Activity | None:
    """`activity` as the SDK's model, with what it cannot read of the lists in _TIDIED left out; None if the
    rest is still not an activity to the SDK."""
    tidied = dict(activity)
    with _quietly():
        for field in _TIDIED:
            items = tidied.pop(field, None)
            if isinstance(items, list):
                tidied[field] = [item for item in items if _item_readable(field, item)]
        try:
            return Activity.model_validate(tidied)
        except Exception:  # pydantic's ValidationError, or a bare Exception for a productInfo the channel id denies
            return None


def _item_readable(field: str, item: object) -> bool:
    try:
        Activity.model_validate({"type": "message", field: [item]})
    except Exception:
        return False
    return True


def _json(activity: Activity) -> Json:
    return activity.model_dump(mode="json", by_alias=True, exclude_unset=True)
