"""The port between the Teams bot and the SDK that hosts it.

Everything above this line (translate.py: what an activity means; render.py: how a reply is drawn) works
on activities as the JSON the Bot Connector speaks. Below it, each host module (agents_host.py for the
Microsoft 365 Agents SDK, botbuilder_host.py for the Bot Framework SDK) turns that JSON into its SDK's
types: it authenticates requests, runs turns, sends, updates and continues conversations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


class Refused(Exception):
    """A request that did not come from the channel: no token, a bad one, or one for another bot."""


@dataclass(frozen=True)
class SendFailure:
    """Why the Bot Connector did not take an activity."""

    status: int | None  # the HTTP status it answered; None when no answer came (a dropped connection)
    retry_after: float | None = None  # seconds, where it said


@dataclass(frozen=True)
class InvokeReply:
    """The HTTP answer to an invoke activity, which Teams waits for."""

    status: int
    body: Json | None = None


class Turn(ABC):
    """One activity being handled, and the way to answer in its conversation."""

    @property
    @abstractmethod
    def activity(self) -> Json:
        """The activity that started the turn, as the channel sent it."""

    @abstractmethod
    async def send(self, activity: Json) -> str | None:
        """Post an activity to the turn's conversation, threaded under the turn's activity; the id the
        channel gave it, where it says."""

    @abstractmethod
    async def update(self, activity: Json) -> None:
        """Replace the activity whose id `activity` carries."""


TurnHandler = Callable[[Turn], Awaitable[InvokeReply | None]]


class Host(ABC):
    """An SDK that receives the channel's activities and sends the bot's."""

    @abstractmethod
    def readable(self, activity: Json) -> bool:
        """Whether the SDK can read `activity` as an activity (a body of the wrong shape cannot be answered)."""

    @abstractmethod
    async def authenticate(self, activity: Json, authorization: str | None) -> object:
        """The caller's identity, as `process` needs it; Refused if the request is not the channel's."""

    @abstractmethod
    async def process(self, identity: object, activity: Json, handler: TurnHandler) -> InvokeReply | None:
        """Run one turn for an authenticated activity; an invoke's reply is returned for the HTTP answer."""

    @abstractmethod
    async def continue_conversation(self, reference: Json, send: Callable[[Turn], Awaitable[None]]) -> None:
        """A turn in a conversation the bot has seen, for a reply sent after its own turn ended; what is
        sent is threaded under the activity `reference` names."""

    @abstractmethod
    def failure(self, error: Exception) -> SendFailure | None:
        """How sending failed, if `error` is the Bot Connector's refusal or a lost connection to it."""

    @abstractmethod
    def on_error(self, handler: Callable[[Turn, Exception], Awaitable[None]]) -> None:
        """Call `handler` for an error a turn did not handle."""
