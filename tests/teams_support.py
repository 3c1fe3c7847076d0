"""Activities shaped as Teams sends them (JSON), a host that records what the bot sends instead of posting
it, and a way to read the cards the bot sends back."""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.teams.host import Host, InvokeReply, Json, SendFailure, Turn, TurnHandler

BOT = {"id": "28:protocol-bot", "name": "Protocol Bot"}
USER_AAD = "6b1f7c2e-0000-4000-8000-000000000001"
ADMIN_AAD = "6b1f7c2e-0000-4000-8000-0000000000ad"
PERSONAL_CHAT = "a:1personal-chat"
CHANNEL_THREAD = "19:general@thread.tacv2;messageid=1700000000001"
GROUP_CHAT = "19:meeting-group@thread.v2"
MENTION = "<at>Protocol Bot</at>"
_ids = itertools.count(1700000000100)


def next_id() -> str:
    """A new activity id, as Teams gives every message one."""
    return str(next(_ids))


def user(aad: str = USER_AAD) -> dict[str, Any]:
    return {"id": f"29:user-{aad[-4:]}", "name": "Pat Councillor", "aadObjectId": aad}


def _activity(kind: str, *, service_url: str, conversation: str, conversation_type: str,
              activity_id: str, sender: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "id": activity_id,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": sender,
        "recipient": BOT,
        "conversation": {"id": conversation, "conversationType": conversation_type, "tenantId": "tenant-1"},
        **fields,
    }


def personal_message(text: str | None, *, service_url: str = "https://smba.example/teams",
                     aad: str = USER_AAD, value: dict[str, Any] | None = None,
                     activity_id: str | None = None, reply_to: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"text": text} if text is not None else {}
    if value is not None:
        fields["value"] = value
    if reply_to is not None:
        fields["replyToId"] = reply_to  # a card button's click names the message the card is on
    return _activity("message", service_url=service_url, conversation=PERSONAL_CHAT, conversation_type="personal",
                     activity_id=activity_id or next_id(), sender=user(aad), **fields)


def channel_mention(question: str, *, service_url: str = "https://smba.example/teams", aad: str = USER_AAD,
                    activity_id: str | None = None) -> dict[str, Any]:
    """A channel post that @mentions the bot; Teams puts the thread's root id in the conversation id."""
    return _activity(
        "message", service_url=service_url, conversation=CHANNEL_THREAD, conversation_type="channel",
        activity_id=activity_id or next_id(), sender=user(aad),
        text=f"{MENTION} {question}",
        entities=[{"type": "mention", "text": MENTION, "mentioned": BOT}],
        channelData={"team": {"id": "19:team@thread.tacv2"}, "channel": {"id": "19:general@thread.tacv2"}},
    )


def members_added(members: list[dict[str, Any]], *, conversation: str, conversation_type: str,
                  service_url: str = "https://smba.example/teams") -> dict[str, Any]:
    return _activity("conversationUpdate", service_url=service_url, conversation=conversation,
                     conversation_type=conversation_type, activity_id="f:1", sender=user(),
                     membersAdded=members)


def other_activity(kind: str, **fields: Any) -> dict[str, Any]:
    """typing, messageReaction, installationUpdate and the like, in a personal chat."""
    return _activity(kind, service_url="https://smba.example/teams", conversation=PERSONAL_CHAT,
                     conversation_type="personal", activity_id="1700000000200", sender=user(), **fields)


def feedback(reply_to: str, *, helpful: bool, text: str = "", aad: str = USER_AAD,
             conversation: str = PERSONAL_CHAT, service_url: str = "https://smba.example/teams") -> dict[str, Any]:
    """A click on Teams' own 👍/👎 under the bot's message `reply_to`, as Teams sends it once its box is sent."""
    return _activity("invoke", service_url=service_url, conversation=conversation,
                     conversation_type="personal" if conversation == PERSONAL_CHAT else "channel",
                     activity_id=next_id(), sender=user(aad), name="message/submitAction", replyToId=reply_to,
                     value={"actionName": "feedback", "actionValue": {
                         "reaction": "like" if helpful else "dislike",
                         "feedback": json.dumps({"feedbackText": text})}})


def elements(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every element in a card's body, depth first."""
    found: list[dict[str, Any]] = []
    pending = list(reversed(card.get("body", [])))
    while pending:
        element = pending.pop()
        found.append(element)
        pending.extend(reversed(element.get("items", [])))
    return found


def card_texts(card: dict[str, Any]) -> list[str]:
    return [element["text"] for element in elements(card) if element["type"] == "TextBlock"]


class RecordingTurn(Turn):
    def __init__(self, host: RecordingHost, activity: Json) -> None:
        self._host, self._activity = host, activity

    @property
    def activity(self) -> Json:
        return self._activity

    async def send(self, activity: Json) -> str | None:
        # as an SDK does: into the turn's conversation, threaded under the turn's activity
        self._host.sent.append({**activity, "conversation": self._activity.get("conversation"),
                                "replyToId": self._activity.get("id")})
        self._host.last_id = f"sent-{next_id()}"
        return self._host.last_id

    async def update(self, activity: Json) -> None:
        self._host.updated.append(activity)


class RecordingHost(Host):
    """Runs turns in-process and keeps what the bot sends, as the SDKs' test adapters do."""

    def __init__(self) -> None:
        self.sent: list[Json] = []
        self.updated: list[Json] = []
        self.last_id = ""  # the id "Teams" gave the last activity sent
        self._on_error: Callable[[Turn, Exception], Awaitable[None]] | None = None

    def readable(self, activity: Json) -> bool:
        return True

    async def authenticate(self, activity: Json, authorization: str | None) -> object:
        return None

    async def process(self, identity: object, activity: Json, handler: TurnHandler) -> InvokeReply | None:
        turn = RecordingTurn(self, activity)
        try:
            return await handler(turn)
        except Exception as error:
            assert self._on_error is not None
            await self._on_error(turn, error)
            return None

    async def continue_conversation(self, reference: Json, send: Callable[[Turn], Awaitable[None]]) -> None:
        await send(RecordingTurn(self, {"type": "event", "id": reference.get("activityId"),
                                        "conversation": reference.get("conversation")}))

    def failure(self, error: Exception) -> SendFailure | None:
        return None

    def on_error(self, handler: Callable[[Turn, Exception], Awaitable[None]]) -> None:
        self._on_error = handler

    def taken(self) -> list[Json]:
        """What was sent since the last call."""
        sent, self.sent = self.sent, []
        return sent
