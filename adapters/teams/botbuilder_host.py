"""The Teams bot on the Bot Framework SDK (botbuilder), for deployments that must stay on it.

botbuilder left support on 2025-12-31; agents_host.py is the default. Chosen with
PROTOCOL_BOT_TEAMS_HOST=botbuilder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import cast

import aiohttp
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ConversationReference, Entity
from botframework.connector.auth import (
    AuthenticationConstants,
    CallerIdConstants,
    ClaimsIdentity,
    ServiceClientCredentialsFactory,
)
from msrest.exceptions import ClientRequestError

from adapters.teams.host import Host, InvokeReply, Json, Refused, SendFailure, Turn, TurnHandler
from adapters.teams.settings import TeamsSettings


class BotbuilderTurn(Turn):
    def __init__(self, context: TurnContext, activity: Json | None = None) -> None:
        self._context = context
        # the activity as received: the SDK's model keeps only the fields it knows
        self._activity = activity if activity is not None else context.activity.serialize()

    @property
    def activity(self) -> Json:
        return self._activity

    async def send(self, activity: Json) -> str | None:
        sent = await self._context.send_activity(_outgoing(activity))
        return sent.id if sent else None

    async def update(self, activity: Json) -> None:
        await self._context.update_activity(_outgoing(activity))


class _JsonEntity(Entity):  # type: ignore[misc]  # botbuilder ships no type information
    """An entity sent as given: botbuilder's Entity knows only `type`, and would drop the rest (Teams'
    citations) on the way out."""

    def __init__(self, fields: Json) -> None:
        super().__init__(type=fields.get("type"))
        self._attribute_map = {key: {"key": key, "type": "object"} for key in fields}
        for key, value in fields.items():
            setattr(self, key, value)


def _outgoing(activity: Json) -> Activity:
    sent = Activity().deserialize(activity)
    entities = activity.get("entities")
    if isinstance(entities, list):
        sent.entities = [_JsonEntity(entity) for entity in entities if isinstance(entity, dict)]
    return sent


class BotbuilderHost(Host):
    """`credentials_factory` replaces how replies get their Azure AD token (certificates, or tests)."""

    def __init__(self, teams: TeamsSettings, credentials_factory: ServiceClientCredentialsFactory | None = None) -> None:
        self._app_id = teams.app_id
        self._authentication = ConfigurationBotFrameworkAuthentication(
            _configuration(teams), credentials_factory=credentials_factory)
        self._adapter = CloudAdapter(self._authentication)

    def readable(self, activity: Json) -> bool:
        try:
            Activity().deserialize(activity)
        except Exception:  # msrest raises several kinds for a body of the wrong shape
            return False
        return True

    async def authenticate(self, activity: Json, authorization: str | None) -> object:
        try:
            return await self._authentication.authenticate_request(Activity().deserialize(activity), authorization)
        except Exception as error:
            # The SDK signals a bad token in several ways (PermissionError, PyJWT errors, a missing
            # signing key); whichever it is, the request did not come from the channel.
            raise Refused(repr(error)) from error

    async def process(self, identity: object, activity: Json, handler: TurnHandler) -> InvokeReply | None:
        async def turn(context: TurnContext) -> None:
            reply = await handler(BotbuilderTurn(context, activity))
            if reply is not None:
                await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                     value=InvokeResponse(status=reply.status, body=reply.body)))

        response = await self._adapter.process_activity(cast(ClaimsIdentity, identity), Activity().deserialize(activity), turn)
        return InvokeReply(response.status, response.body) if response else None

    async def continue_conversation(self, reference: Json, send: Callable[[Turn], Awaitable[None]]) -> None:
        conversation = ConversationReference().deserialize(reference)

        async def turn(context: TurnContext) -> None:
            # the SDK threads a reply under its turn's activity: here, the one the reference names
            context.activity.id = conversation.activity_id or context.activity.id
            await send(BotbuilderTurn(context))

        # the app id positionally: CloudAdapter names it bot_app_id, the SDK's other adapters bot_id
        await self._adapter.continue_conversation(conversation, turn, self._app_id)

    def failure(self, error: Exception) -> SendFailure | None:
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        if isinstance(status, int):
            headers = getattr(response, "headers", None) or {}
            return SendFailure(status, _seconds(headers.get("Retry-After")))
        # a refused or dropped connection reaches here as aiohttp's error, or wrapped by msrest
        if isinstance(error, aiohttp.ClientConnectionError | asyncio.TimeoutError | ClientRequestError):
            return SendFailure(None)
        return None

    def on_error(self, handler: Callable[[Turn, Exception], Awaitable[None]]) -> None:
        async def on_turn_error(context: TurnContext, error: Exception) -> None:
            await handler(BotbuilderTurn(context), error)

        self._adapter.on_turn_error = on_turn_error


def _seconds(value: object) -> float | None:
    try:
        return float(value) if isinstance(value, str | int | float) else None
    except ValueError:
        return None


def _configuration(teams: TeamsSettings) -> SimpleNamespace:
    """The object ConfigurationBotFrameworkAuthentication reads its settings from."""
    config = SimpleNamespace(
        APP_ID=teams.app_id,
        APP_PASSWORD=teams.app_password,
        APP_TYPE=teams.app_type,
        APP_TENANTID=teams.tenant_id,
    )
    if teams.openid_metadata_url:
        # Setting any endpoint switches the SDK from its built-in public cloud to explicit
        # endpoints, so every other one keeps its public-cloud value.
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = teams.openid_metadata_url
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
        config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        config.TO_CHANNEL_FROM_BOT_LOGIN_URL = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
        config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        config.OAUTH_URL = AuthenticationConstants.OAUTH_URL
        config.CALLER_ID = CallerIdConstants.public_azure_channel
    return config
