"""End to end: the real aiohttp app on 127.0.0.1 receives Teams activities over HTTP and posts its
replies to a local stand-in for the Bot Connector service named in each activity's serviceUrl.

With an app id set, a local OpenID endpoint publishes a test RSA key in place of the Bot Framework's,
and replies get a stand-in Azure AD token, so nothing leaves this machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import ClientTimeout, web
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import (
    AppCredentials,
    AuthenticationConstants,
    PasswordServiceClientCredentialFactory,
)
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core import AccessTokenProviderBase
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration

from adapters.teams import TeamsSettings, build_app
from adapters.teams.agents_host import AgentsHost
from adapters.teams.botbuilder_host import BotbuilderHost
from adapters.teams.host import Host
from adapters.teams.server import make_host
from adapters.teams.settings import TeamsHost
from bot import messages
from bot.answer import Scope
from bot.errors import SettingsError
from bot.service.scopes import Scopes
from bot.stores.feedback import FeedbackStore, cited_refs
from bot.stores.sql_feedback import SqlFeedbackStore
from tests import teams_support as teams
from tests.background import WAIT_SECONDS, serve_in_background
from tests.fakes import FakeProtocolBot, conversation
from tests.settings_support import environment

APP_ID = "5a2e6b0c-7d41-4f0e-9a53-3c1d2e4f5a6b"
KEY_ID = "test-signing-key"
OUTBOUND_TOKEN = "stand-in-azure-ad-token"
QUESTION = "Can I copy this email to another councillor?"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class Reply:
    conversation: str
    reply_to: str | None
    activity: dict[str, Any]
    authorization: str | None

    @property
    def card(self) -> dict[str, Any]:
        (attachment,) = self.activity["attachments"]
        assert attachment["contentType"] == ADAPTIVE_CARD
        return attachment["content"]


class Connector:
    """The Bot Connector service as far as a replying bot sees it: records each posted activity."""

    def __init__(self) -> None:
        self.replies: asyncio.Queue[Reply] = asyncio.Queue()
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_put("/v3/conversations/{conversation}/activities/{reply_to}", self._update)
        self.updates: asyncio.Queue[Reply] = asyncio.Queue()
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def next(self) -> Reply:
        return await asyncio.wait_for(self.replies.get(), WAIT_SECONDS)

    async def _receive(self, request: web.Request) -> web.Response:
        await self.replies.put(
            Reply(request.match_info["conversation"], request.match_info.get("reply_to"), await request.json(),
                  request.headers.get("Authorization"))
        )
        return web.json_response({"id": f"reply-{self.replies.qsize()}"})

    async def _update(self, request: web.Request) -> web.Response:
        """An activity replaced in place (a card after a vote): `reply_to` is the replaced activity's id."""
        await self.updates.put(
            Reply(request.match_info["conversation"], request.match_info["reply_to"], await request.json(),
                  request.headers.get("Authorization"))
        )
        return web.json_response({"id": request.match_info["reply_to"]})

    async def next_update(self) -> Reply:
        return await asyncio.wait_for(self.updates.get(), WAIT_SECONDS)


class ChannelKeys:
    """Publishes a test signing key the way login.botframework.com publishes the channel's keys.

    The SDK fetches keys with blocking `requests` calls on the event loop, so this server runs in a
    thread of its own.
    """

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = {**RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True),
               "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}
        keys = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                issuer = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
                documents = {
                    "/.well-known/openid-configuration": {"issuer": issuer, "jwks_uri": f"{keys.url}/keys"},
                    "/keys": {"keys": [jwk]},
                }
                body = json.dumps(documents.get(self.path, {})).encode()
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.close = serve_in_background(self.server)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def token(self, service_url: str, *, audience: str = APP_ID, key: rsa.RSAPrivateKey | None = None) -> str:
        now = int(time.time())
        claims = {"iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER, "aud": audience,
                  "serviceurl": service_url, "nbf": now - 10, "exp": now + 600}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})


class StandInCredentials(AppCredentials):
    """Replies carry this token instead of one fetched from Azure AD."""

    def get_access_token(self, force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN


class OfflineCredentialsFactory(PasswordServiceClientCredentialFactory):
    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> AppCredentials:
        if not await self.is_valid_app_id(app_id):
            raise PermissionError(f"No credentials for app id {app_id!r}")
        return StandInCredentials(app_id, oauth_scope=oauth_scope)


class StandInTokens(AccessTokenProviderBase):
    """The Agents SDK's replies carry this token instead of one fetched from Azure AD."""

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration

    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError("replies need only the bot's own token")

    async def get_agentic_application_token(self, tenant_id: str, agent_app_instance_id: str) -> str | None:
        raise NotImplementedError("replies need only the bot's own token")

    async def get_agentic_instance_token(self, tenant_id: str, agent_app_instance_id: str) -> tuple[str, str]:
        raise NotImplementedError("replies need only the bot's own token")

    async def get_agentic_user_token(self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str,
                                     scopes: list[str]) -> str | None:
        raise NotImplementedError("replies need only the bot's own token")

    def get_token_credential(self) -> Any:
        raise NotImplementedError("replies need only the bot's own token")


def offline_host(kind: TeamsHost, settings: TeamsSettings) -> Host:
    """The host `kind`, its replies signed with a stand-in token instead of one from Azure AD."""
    if kind is TeamsHost.BOTBUILDER:
        return BotbuilderHost(settings, OfflineCredentialsFactory(settings.app_id, "not-used")
                              if settings.authenticated else None)
    return AgentsHost(settings, StandInTokens)


class Running:
    """A started bot app and what it works with."""

    def __init__(self, client: TestClient, core: FakeProtocolBot, store: FeedbackStore, connector: Connector) -> None:
        self.client, self.core, self.store, self.connector = client, core, store, connector

    async def post(self, activity: dict[str, Any], token: str | None = None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post("/api/messages", json=activity, headers=headers,
                                          timeout=ClientTimeout(total=WAIT_SECONDS))
        return response.status


@pytest.fixture(scope="module")
def channel_keys() -> Iterator[ChannelKeys]:
    keys = ChannelKeys()
    yield keys
    keys.close()


@pytest.fixture
async def connector() -> AsyncIterator[Connector]:
    fake = Connector()
    await fake.server.start_server()
    yield fake
    await fake.server.close()


async def start(connector: Connector, tmp_path: Path, teams_settings: TeamsSettings, kind: TeamsHost,
                scopes: Scopes | None = None) -> AsyncIterator[Running]:
    core = FakeProtocolBot()
    store = SqlFeedbackStore(tmp_path / "feedback.sqlite3")
    app = build_app(conversation(core, store, admins=frozenset({teams.ADMIN_AAD}), scopes=scopes), teams_settings,
                    host=offline_host(kind, teams_settings))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield Running(client, core, store, connector)
    await client.close()
    store.close()


@pytest.fixture
async def emulator_bot(connector: Connector, tmp_path: Path, host_kind: TeamsHost) -> AsyncIterator[Running]:
    """No app id: the unauthenticated mode the Bot Framework Emulator uses."""
    async for running in start(connector, tmp_path, TeamsSettings(), host_kind):
        yield running


ILMINSTER = Scope(frozenset({"000_071d258fd975c70b.txt", "001_a879d86bb0aeb3d5.txt"}))
CONDUCT = Scope(frozenset({"004_fbcb302b638d596d.txt"}))


@pytest.fixture
async def scoped_bot(connector: Connector, tmp_path: Path, host_kind: TeamsHost) -> AsyncIterator[Running]:
    """The tenant answers from Ilminster's documents, except its general channel, which has its own."""
    scopes = Scopes({("teams", "tenants"): {"tenant-1": ILMINSTER},
                     ("teams", "channels"): {"19:general@thread.tacv2": CONDUCT}})
    async for running in start(connector, tmp_path, TeamsSettings(), host_kind, scopes=scopes):
        yield running


@pytest.fixture
async def registered_bot(connector: Connector, tmp_path: Path, channel_keys: ChannelKeys,
                         host_kind: TeamsHost) -> AsyncIterator[Running]:
    settings = TeamsSettings(app_id=APP_ID, openid_metadata_url=f"{channel_keys.url}/.well-known/openid-configuration")
    async for running in start(connector, tmp_path, settings, host_kind):
        yield running


async def test_a_personal_message_gets_an_answer_card_in_the_same_chat(emulator_bot: Running) -> None:
    activity = teams.personal_message(QUESTION, service_url=emulator_bot.connector.url)

    assert await emulator_bot.post(activity) == 201
    reply = await emulator_bot.connector.next()

    assert (reply.conversation, reply.reply_to) == (teams.PERSONAL_CHAT, activity["id"])
    assert messages.LEAD_ANSWER_MANY in teams.card_texts(reply.card)
    assert emulator_bot.core.asked == [(QUESTION, None)]


async def test_a_channel_mention_is_answered_in_the_thread_without_the_mention(emulator_bot: Running) -> None:
    activity = teams.channel_mention(QUESTION, service_url=emulator_bot.connector.url)

    assert await emulator_bot.post(activity) == 201
    reply = await emulator_bot.connector.next()

    assert (reply.conversation, reply.reply_to) == (teams.CHANNEL_THREAD, activity["id"])
    assert reply.card["version"] == "1.5"
    assert emulator_bot.core.asked == [(QUESTION, None)]


async def test_a_later_message_in_a_channel_thread_needs_no_mention_and_keeps_the_threads_topic(
    emulator_bot: Running,
) -> None:
    url = emulator_bot.connector.url
    await emulator_bot.post(teams.channel_mention(QUESTION, service_url=url))
    await emulator_bot.connector.next()
    follow_up = teams.channel_mention("and to officers?", service_url=url)
    follow_up["text"], follow_up["entities"] = "and to officers?", []  # no mention this time

    assert await emulator_bot.post(follow_up) == 201
    reply = await emulator_bot.connector.next()

    assert reply.conversation == teams.CHANNEL_THREAD
    assert emulator_bot.core.asked[-1][0] == f"{QUESTION} and to officers?"


async def test_a_personal_message_in_a_mapped_tenant_is_answered_from_its_documents(scoped_bot: Running) -> None:
    activity = teams.personal_message(QUESTION, service_url=scoped_bot.connector.url)
    activity["channelData"] = {"tenant": {"id": "tenant-1"}}  # where Teams puts the tenant of every message

    assert await scoped_bot.post(activity) == 201
    await scoped_bot.connector.next()

    assert scoped_bot.core.asked == [(QUESTION, ILMINSTER)]


async def test_a_mention_in_a_mapped_channel_is_answered_from_that_channels_documents(scoped_bot: Running) -> None:
    activity = teams.channel_mention(QUESTION, service_url=scoped_bot.connector.url)
    activity["channelData"]["tenant"] = {"id": "tenant-1"}

    assert await scoped_bot.post(activity) == 201
    await scoped_bot.connector.next()

    assert scoped_bot.core.asked == [(QUESTION, CONDUCT)]


async def test_an_answer_carries_numbered_markers_citations_and_teams_own_feedback_control(
    emulator_bot: Running,
) -> None:
    await emulator_bot.post(teams.personal_message(QUESTION, service_url=emulator_bot.connector.url))
    answer = (await emulator_bot.connector.next()).activity

    assert "[1]" in answer["text"] and "[2]" in answer["text"]
    (entity,) = answer["entities"]
    assert [claim["position"] for claim in entity["citation"]] == [1, 2]
    assert entity["citation"][0]["appearance"]["abstract"] == emulator_bot.core.ask(QUESTION).citations[0].quote
    assert answer["channelData"]["feedbackLoopEnabled"] is True


async def test_teams_own_thumbs_up_in_a_channel_thread_is_acknowledged_and_the_vote_stored(
    emulator_bot: Running,
) -> None:
    url = emulator_bot.connector.url
    await emulator_bot.post(teams.channel_mention(QUESTION, service_url=url))
    answered = await emulator_bot.connector.next()
    click = teams.feedback("reply-1", helpful=True, text="Clear, thanks", conversation=answered.conversation,
                           service_url=url)

    response = await emulator_bot.client.post("/api/messages", json=click, timeout=ClientTimeout(total=WAIT_SECONDS))

    assert response.status == 200
    (entry,) = emulator_bot.store.recent()
    assert (entry.platform, entry.user, entry.helpful, entry.comment) == ("teams", teams.USER_AAD, True, "Clear, thanks")
    assert entry.citations == cited_refs(emulator_bot.core.ask(QUESTION))
    assert emulator_bot.connector.replies.empty()  # Teams thanks the person itself


async def test_an_admins_thumbs_down_in_teams_own_control_is_followed_by_the_correction_card(
    emulator_bot: Running,
) -> None:
    url = emulator_bot.connector.url
    await emulator_bot.post(teams.personal_message(QUESTION, aad=teams.ADMIN_AAD, service_url=url))
    await emulator_bot.connector.next()

    assert await emulator_bot.post(teams.feedback("reply-1", helpful=False, aad=teams.ADMIN_AAD,
                                                  service_url=url)) == 200
    offer = await emulator_bot.connector.next()

    assert any(element["type"] == "Input.ChoiceSet" for element in teams.elements(offer.card))
    (entry,) = emulator_bot.store.recent()
    assert (entry.user, entry.helpful) == (teams.ADMIN_AAD, False)


async def test_an_empty_message_gets_a_prompt(emulator_bot: Running) -> None:
    await emulator_bot.post(teams.personal_message("", service_url=emulator_bot.connector.url))

    assert (await emulator_bot.connector.next()).activity["text"] == messages.EMPTY_QUESTION


async def test_a_non_admin_cannot_reindex(emulator_bot: Running) -> None:
    await emulator_bot.post(teams.personal_message("reindex", service_url=emulator_bot.connector.url))

    reply = await emulator_bot.connector.next()
    assert reply.activity["text"] == messages.ADMIN_ONLY.format(command="reindex")
    assert emulator_bot.core.reindexed == 0


async def test_an_admin_reindex_is_acknowledged_and_the_result_posted_to_the_thread(emulator_bot: Running) -> None:
    url = emulator_bot.connector.url

    assert await emulator_bot.post(teams.channel_mention("reindex", aad=teams.ADMIN_AAD, service_url=url)) == 201
    started, report = await emulator_bot.connector.next(), await emulator_bot.connector.next()

    assert started.activity["text"] == messages.REINDEX_STARTED
    assert "v-test-2" in report.activity["text"]
    assert report.conversation == teams.CHANNEL_THREAD
    assert emulator_bot.core.reindexed == 1


async def test_a_body_that_is_not_an_activity_is_rejected(emulator_bot: Running) -> None:
    response = await emulator_bot.client.post("/api/messages", data="[1, 2]", timeout=ClientTimeout(total=WAIT_SECONDS),
                                              headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert emulator_bot.connector.replies.empty()


def test_the_registration_is_read_from_the_azure_variable_names(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "secret",
                              "MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": "tenant-1"})
    settings = TeamsSettings.from_env()

    assert settings == TeamsSettings(app_id=APP_ID, app_password="secret", app_type="SingleTenant",
                                     tenant_id="tenant-1")
    assert settings.authenticated
    environment(monkeypatch, {})
    assert not TeamsSettings.from_env().authenticated


def test_the_registration_is_read_from_the_agents_sdk_names_too(monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    environment(monkeypatch, {f"{prefix}CLIENTID": APP_ID, f"{prefix}CLIENTSECRET": "secret",
                              f"{prefix}TENANTID": "tenant-1", "MicrosoftAppType": "SingleTenant"})
    settings = TeamsSettings.from_env()

    assert settings == TeamsSettings(app_id=APP_ID, app_password="secret", app_type="SingleTenant",
                                     tenant_id="tenant-1")


@pytest.mark.parametrize(("value", "host"), [("", TeamsHost.AGENTS), ("agents", TeamsHost.AGENTS),
                                             (" BotBuilder ", TeamsHost.BOTBUILDER)])
def test_the_agents_sdk_hosts_teams_unless_botbuilder_is_asked_for(
        monkeypatch: pytest.MonkeyPatch, value: str, host: TeamsHost) -> None:
    environment(monkeypatch, {"PROTOCOL_BOT_TEAMS_HOST": value})
    assert TeamsSettings.from_env().host is host
    assert isinstance(make_host(TeamsSettings(host=host)), AgentsHost if host is TeamsHost.AGENTS else BotbuilderHost)


def test_an_unknown_teams_host_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {"PROTOCOL_BOT_TEAMS_HOST": "teams-ai"})
    with pytest.raises(SettingsError, match="PROTOCOL_BOT_TEAMS_HOST"):
        TeamsSettings.from_env()


async def test_without_an_app_id_a_warning_says_authentication_is_off(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters.teams"):
        build_app(conversation(FakeProtocolBot(), SqlFeedbackStore(":memory:")), TeamsSettings())

    assert any("WITHOUT authentication" in record.getMessage() for record in caplog.records)


async def test_with_an_app_id_a_request_without_a_token_is_refused(registered_bot: Running) -> None:
    status = await registered_bot.post(teams.personal_message(QUESTION, service_url=registered_bot.connector.url))

    assert status == 401
    assert registered_bot.core.asked == [] and registered_bot.connector.replies.empty()


async def test_with_an_app_id_a_token_signed_by_another_key_is_refused(registered_bot: Running,
                                                                        channel_keys: ChannelKeys) -> None:
    url = registered_bot.connector.url
    forged = channel_keys.token(url, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))

    assert await registered_bot.post(teams.personal_message(QUESTION, service_url=url), forged) == 401
    assert registered_bot.core.asked == []


async def test_with_an_app_id_a_token_for_another_bot_is_refused(registered_bot: Running,
                                                                  channel_keys: ChannelKeys) -> None:
    url = registered_bot.connector.url
    token = channel_keys.token(url, audience="another-bots-app-id")

    assert await registered_bot.post(teams.personal_message(QUESTION, service_url=url), token) == 401
    assert registered_bot.core.asked == []


async def test_with_an_app_id_a_token_for_another_service_url_is_refused(registered_bot: Running,
                                                                          channel_keys: ChannelKeys) -> None:
    url = registered_bot.connector.url
    token = channel_keys.token("https://smba.trafficmanager.net/emea/")

    assert await registered_bot.post(teams.personal_message(QUESTION, service_url=url), token) == 401
    assert registered_bot.core.asked == []


async def test_with_an_app_id_a_properly_signed_token_is_accepted_and_replies_are_authenticated(
    registered_bot: Running, channel_keys: ChannelKeys
) -> None:
    url = registered_bot.connector.url

    assert await registered_bot.post(teams.personal_message(QUESTION, service_url=url), channel_keys.token(url)) == 201
    reply = await registered_bot.connector.next()

    assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"
    assert messages.LEAD_ANSWER_MANY in teams.card_texts(reply.card)


async def test_with_an_app_id_the_later_reindex_report_is_authenticated_too(registered_bot: Running,
                                                                            channel_keys: ChannelKeys) -> None:
    url = registered_bot.connector.url
    activity = teams.personal_message("reindex", aad=teams.ADMIN_AAD, service_url=url)

    assert await registered_bot.post(activity, channel_keys.token(url)) == 201
    started, report = await registered_bot.connector.next(), await registered_bot.connector.next()

    assert started.activity["text"] == messages.REINDEX_STARTED
    assert "v-test-2" in report.activity["text"]
    assert report.authorization == f"Bearer {OUTBOUND_TOKEN}"
