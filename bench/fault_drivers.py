"""The fault suite's drivers (bench/faults.py): each platform as its senders see it, the stand-in Bot
Connector, and the server under test as a subprocess."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from adapters.slack.render import ACTION_SHOW_CLAUSE  # noqa: E402
from bot import messages  # noqa: E402
from bot.service.conversation import PENDING_AFTER_SECONDS  # noqa: E402
from bot.stores.conversation import CLAIM_SECONDS  # noqa: E402
from tests import teams_support  # noqa: E402
from tests.background import AiohttpInBackground  # noqa: E402
from tests.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack, RateFault, event_body  # noqa: E402

SECRET = "bench-signing-secret"
SLACK_ADMIN = "U0BENCHADMIN"
SLACK_USER = "U0BENCHUSER"
CHANNEL = "C0BENCH"
TEAMS_ADMIN = teams_support.ADMIN_AAD
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
# The same question worded a few ways, so a burst is not one text repeated; each is checked to be in scope.
VARIANTS = ("{q}", "{q} Thanks.", "Quick question: {q}", "Hi, {q}")
FORGED = "x\nERROR BENCH-FORGED adapters.slack: the database is gone\nCRITICAL BENCH-FORGED disk full\n"
LOG_TARGET_BYTES = 50_000
TRANSIENT_FAULTS: list[tuple[int, int | None]] = [(500, None), (429, 1)]  # (HTTP status, Retry-After)
OUTAGE_FAULTS: list[tuple[int, int | None]] = [(503, None)]
NO_RESPONSE = 0  # what `post` returns when the server refused or closed the connection
TIMED_OUT = -1  # ... when it did not answer within the timeout
NOT_SENT = -2  # a request the bench did not send, the server having stopped answering (see Sender)
SEND_TIMEOUT = 30.0  # a Teams request is answered only once its reply is posted, retries included
MALFORMED_TIMEOUT = 15.0
START_TIMEOUT = 120.0  # start-up loads the index; the first answer also loads the model
# A message the dead process had claimed is taken up again once its claim expires and a sweep runs:
# waiting this long after a kill also sees a reply posted twice (delivered, but not yet marked done).
DUPLICATE_WINDOW = CLAIM_SECONDS + 2 * PENDING_AFTER_SECONDS + 5


class BenchError(Exception):
    """The bench could not run a scenario (a server that does not start, a setup that cannot answer)."""


def progress(text: str) -> None:
    print(f"  · {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(port: int, path: str, body: bytes, headers: dict[str, str], *, timeout: float = SEND_TIMEOUT) -> int:
    """POST raw bytes with exactly these headers (Content-Length added unless given); the HTTP status,
    NO_RESPONSE when the connection was refused or closed, TIMED_OUT when no answer came in time."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest("POST", path, skip_host=False, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if not any(name.lower() == "content-length" for name in headers):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        response.read()
        return int(response.status)
    except TimeoutError:
        return TIMED_OUT
    except (OSError, http.client.HTTPException):
        return NO_RESPONSE
    finally:
        connection.close()


# --- what came back ------------------------------------------------------------------------------


class Kind(Enum):
    ANSWER = "answer"  # cites at least one clause
    APOLOGY = "apology"  # messages.ERROR_APOLOGY: answering failed
    OUT_OF_SCOPE = "out of scope"
    OTHER = "other"  # a prompt, a refusal, a reindex message


@dataclass(frozen=True)
class Reply:
    kind: Kind
    text: str
    threaded: bool = True  # Teams: posted as a reply to the question's activity id
    place: str = ""  # where it was posted, for the record


@dataclass(frozen=True)
class Request:
    key: str  # where its reply is expected: Slack "channel|thread ts", Teams the conversation id
    body: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class Malformed:
    name: str
    body: bytes
    content_type: str | None = "application/json"  # None: no Content-Type header
    omit: tuple[str, ...] = ()  # headers left out, after signing
    headers: tuple[tuple[str, str], ...] = ()  # headers added or replaced
    timestamp: str | None = None  # Slack's request timestamp, when not now
    timeout: float = MALFORMED_TIMEOUT


# --- the Bot Connector stand-in ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorPost:
    conversation: str
    reply_to: str | None
    activity: dict[str, Any]


class Connector:
    """The Bot Connector as a replying bot sees it, on its own thread: records each posted activity,
    and can fail a random share of them (as `FakeSlack.fail_rate` does)."""

    def __init__(self) -> None:
        self._posts: list[ConnectorPost] = []
        self._lock = threading.Lock()
        self._fault: RateFault | None = None
        self.injected = 0
        self.taken: Callable[[], None] | None = None  # called once an activity is recorded, before answering
        self._server = AiohttpInBackground("bench-connector")
        self.port = 0

    def start(self) -> Connector:
        self.port = self._server.start(self._app, timeout=30)
        return self

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=4_000_000)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_put("/v3/conversations/{conversation}/activities/{reply_to}", self._update)
        return app

    def stop(self) -> None:
        self._server.stop(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def posts(self) -> list[ConnectorPost]:
        with self._lock:
            return list(self._posts)

    def fail_rate(self, rate: float, faults: list[tuple[int, int | None]], *, until: float, seed: int) -> None:
        self._fault = RateFault(rate, tuple(faults), until, random.Random(seed))

    async def _receive(self, request: web.Request) -> web.Response:
        fault = self._fault.pick() if self._fault else None
        if fault is not None:
            status, retry_after = fault
            with self._lock:
                self.injected += 1
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return web.json_response({"error": {"code": "BenchFault"}}, status=status, headers=headers)
        activity = await request.json()
        with self._lock:
            self._posts.append(ConnectorPost(request.match_info["conversation"], request.match_info.get("reply_to"),
                                             activity))
            number = len(self._posts)
        if self.taken is not None:
            self.taken()
        return web.json_response({"id": f"reply-{number}"})

    async def _update(self, request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["reply_to"]})


# --- the platforms ------------------------------------------------------------------------------------


class Platform(ABC):
    """One chat platform as the bench drives it: its stand-in, requests, and the replies it recorded."""

    name: str
    path: str  # where the server takes requests

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._run = time.strftime("%H%M%S")

    def next_number(self) -> int:
        return next(self._numbers)

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def server_env(self) -> dict[str, str]: ...

    @abstractmethod
    def question(self, text: str, *, admin: bool = False) -> Request: ...

    @abstractmethod
    def send(self, port: int, request: Request, *, resend: bool = False) -> int: ...

    @abstractmethod
    def replies(self) -> dict[str, list[Reply]]:
        """Every reply recorded so far, by the key of the request it belongs to."""

    @abstractmethod
    def reply_count(self) -> int:
        """Every reply or private response the stand-in took, wherever it went."""

    @abstractmethod
    def fail_replies(self, rate: float, until: float, seed: int, faults: list[tuple[int, int | None]]) -> None:
        """Until `until` (time.monotonic()), answer a `rate` share of reply posts with one of `faults`."""

    @abstractmethod
    def injected_failures(self) -> int: ...

    @abstractmethod
    def on_reply(self, taken: Callable[[], None] | None) -> None:
        """Call `taken` each time the stand-in has taken a reply post, before it answers the server."""

    @abstractmethod
    def send_malformed(self, port: int, case: Malformed, *, signed: bool) -> int: ...

    def malformed_variants(self) -> list[bool]:
        """How each malformed body is sent: Slack's both signed and unsigned."""
        return [True]


def classify_text(text: str, has_citation: bool) -> Kind:
    if has_citation:
        return Kind.ANSWER
    if text.strip() == messages.ERROR_APOLOGY:
        return Kind.APOLOGY
    if any(declined in text for declined in (messages.OUT_OF_SCOPE, messages.OUT_OF_SCOPE_COUNCIL_BUSINESS,
                                             messages.OUT_OF_SCOPE_OFF_TOPIC)):
        return Kind.OUT_OF_SCOPE
    return Kind.OTHER


class SlackPlatform(Platform):
    name = "slack"
    path = "/slack/events"

    def __init__(self) -> None:
        super().__init__()
        self.fake = FakeSlack()
        self._base = int(time.time())

    def start(self) -> None:
        self.fake.start()

    def stop(self) -> None:
        self.fake.stop()

    def server_env(self) -> dict[str, str]:
        return {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": self.fake.api_url}

    def _ts(self) -> str:
        return f"{self._base}.{self.next_number():06d}"

    def question(self, text: str, *, admin: bool = False) -> Request:
        ts = self._ts()
        event = {"type": "app_mention", "user": SLACK_ADMIN if admin else SLACK_USER, "text": f"<@{BOT_USER_ID}> {text}",
                 "ts": ts, "event_ts": ts, "channel": CHANNEL, "team": TEAM_ID}
        body = json.dumps(event_body(event, f"EvBench{self._run}{ts.replace('.', '')}"))
        return Request(f"{CHANNEL}|{ts}", body.encode())

    def _headers(self, body: bytes, content_type: str | None, *, signed: bool, timestamp: str | None = None
                 ) -> dict[str, str]:
        stamp = timestamp or str(int(time.time()))
        digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}" if signed else "v0=forged"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return headers

    def send(self, port: int, request: Request, *, resend: bool = False) -> int:
        headers = self._headers(request.body, request.content_type, signed=True)
        if resend:  # what Slack adds when it delivers an event again
            headers |= {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
        return post(port, self.path, request.body, headers)

    def replies(self) -> dict[str, list[Reply]]:
        found: dict[str, list[Reply]] = {}
        for payload in self.fake.calls_to("chat.postMessage"):
            text = str(payload.get("text") or "")
            cited = any(element.get("action_id") == ACTION_SHOW_CLAUSE for element in _slack_elements(payload))
            key = f"{payload.get('channel')}|{payload.get('thread_ts')}"
            found.setdefault(key, []).append(Reply(classify_text(text, cited), text))
        return found

    def reply_count(self) -> int:
        return len(self.fake.calls_to("chat.postMessage")) + len(self.fake.calls_to("response_url"))

    def fail_replies(self, rate: float, until: float, seed: int, faults: list[tuple[int, int | None]]) -> None:
        self.fake.fail_rate("chat.postMessage", rate, faults, until=until, seed=seed)

    def injected_failures(self) -> int:
        return self.fake.failed("chat.postMessage")

    def on_reply(self, taken: Callable[[], None] | None) -> None:
        def refuse_none(payload: dict[str, Any]) -> None:  # the fake's per-call hook; nothing is refused
            if taken is not None:
                taken()

        self.fake.refuse("chat.postMessage", refuse_none)

    def malformed_variants(self) -> list[bool]:
        return [True, False]

    def send_malformed(self, port: int, case: Malformed, *, signed: bool) -> int:
        headers = self._headers(case.body, case.content_type, signed=signed, timestamp=case.timestamp)
        for name in case.omit:
            headers.pop(name, None)
        headers.update(case.headers)
        return post(port, self.path, case.body, headers, timeout=case.timeout)

    def next_ts(self) -> str:
        return self._ts()


def _slack_elements(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    blocks = payload.get("blocks")
    if isinstance(blocks, str):  # a form-encoded call carries its blocks as JSON text
        blocks = json.loads(blocks)
    for block in blocks or []:
        yield from block.get("elements", [])
        if "accessory" in block:
            yield block["accessory"]


class TeamsPlatform(Platform):
    name = "teams"
    path = "/api/messages"

    def __init__(self) -> None:
        super().__init__()
        self.connector = Connector()
        self._activity_ids: dict[str, str] = {}  # conversation -> the activity id its reply must answer

    def start(self) -> None:
        self.connector.start()

    def stop(self) -> None:
        self.connector.stop()

    def server_env(self) -> dict[str, str]:
        return {}  # no MicrosoftAppId: the Emulator's unauthenticated mode, on 127.0.0.1 only

    def activity(self, text: str | None, *, admin: bool = False, **fields: Any) -> dict[str, Any]:
        """A personal-chat message in a conversation of its own, so every reply's place names its question."""
        number = self.next_number()
        conversation = f"a:bench-{self._run}-{number}"
        activity_id = f"{self._run}{number:07d}"
        activity = teams_support.personal_message(text, service_url=self.connector.url, activity_id=activity_id,
                                                  aad=TEAMS_ADMIN if admin else f"bench-user-{number:08d}")
        activity["conversation"]["id"] = conversation
        self._activity_ids[conversation] = activity_id
        return {**activity, **fields}

    def question(self, text: str, *, admin: bool = False) -> Request:
        activity = self.activity(text, admin=admin)
        return Request(activity["conversation"]["id"], json.dumps(activity).encode())

    def send(self, port: int, request: Request, *, resend: bool = False) -> int:
        return post(port, self.path, request.body, {"Content-Type": request.content_type})

    def replies(self) -> dict[str, list[Reply]]:
        found: dict[str, list[Reply]] = {}
        for sent in self.connector.posts():
            activity = sent.activity
            cards = [a.get("content") or {} for a in activity.get("attachments") or []
                     if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]
            texts = [str(activity.get("text") or "")] + [t for card in cards for t in teams_support.card_texts(card)]
            cited = any(_is_clause_toggle(element) for card in cards for element in teams_support.elements(card))
            threaded = sent.reply_to == self._activity_ids.get(sent.conversation)
            place = f"/v3/conversations/{sent.conversation}/activities/{sent.reply_to or ''}"
            found.setdefault(sent.conversation, []).append(Reply(classify_text("\n".join(texts), cited),
                                                                 texts[0], threaded, place))
        return found

    def reply_count(self) -> int:
        return len(self.connector.posts())

    def fail_replies(self, rate: float, until: float, seed: int, faults: list[tuple[int, int | None]]) -> None:
        self.connector.fail_rate(rate, faults, until=until, seed=seed)

    def injected_failures(self) -> int:
        return self.connector.injected

    def on_reply(self, taken: Callable[[], None] | None) -> None:
        self.connector.taken = taken

    def send_malformed(self, port: int, case: Malformed, *, signed: bool) -> int:
        headers = {"Content-Type": case.content_type} if case.content_type else {}
        for name in case.omit:
            headers.pop(name, None)
        headers.update(case.headers)
        return post(port, self.path, case.body, headers, timeout=case.timeout)



def _is_clause_toggle(element: dict[str, Any]) -> bool:
    """The "Show full clause" toggle every cited clause has on an answer card."""
    return element.get("type") == "ActionSet" and any(
        action.get("type") == "Action.ToggleVisibility" for action in element.get("actions", []))


# --- the server under test --------------------------------------------------------------------------


_RUNNING: set[subprocess.Popen[bytes]] = set()  # killed at exit, whatever happened


class Server:
    """`protocol-bot <platform> --port P` as a subprocess, its stderr in a log file of its own."""

    def __init__(self, platform: str, port: int, env: dict[str, str], log: Path) -> None:
        self.platform, self.port, self.env, self.log = platform, port, env, log
        self._process: subprocess.Popen[bytes] | None = None
        self.ignored_sigterm = False  # it had to be killed after 30 s of SIGTERM

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> Server:
        with open(self.log, "ab") as err, open(self.log.with_suffix(".out"), "ab") as out:
            # a session of its own: a Ctrl-C in the bench's terminal is not a signal to the server
            self._process = subprocess.Popen([str(bot_command()), self.platform, "--port", str(self.port)],
                                             cwd=ROOT, env=self.env, stdout=out, stderr=err, start_new_session=True)
        _RUNNING.add(self._process)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise BenchError(f"the {self.platform} server exited at start-up:\n{self.tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.2)
        raise BenchError(f"the {self.platform} server did not listen within {START_TIMEOUT:.0f} s:\n{self.tail()}")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """kill -9: no shutdown handler runs, whatever it was doing is cut off."""
        if self._process is not None and self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; SIGKILL if it has not ended within 30 s."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                progress(f"the {self.platform} server did not end within 30 s of SIGTERM; killed")
                self.ignored_sigterm = True
                process.kill()
                process.wait(timeout=30)
        _RUNNING.discard(process)

    def memory_kb(self, field_name: str) -> int | None:
        """A line of /proc/<pid>/status: VmHWM is the peak resident set, VmRSS the current one."""
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        return None

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_text(self, since: int = 0) -> str:
        with open(self.log, "rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", "replace")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def bot_command() -> Path:
    beside = Path(sys.executable).parent / "protocol-bot"
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "protocol-bot"


def kill_leftovers() -> None:
    for process in list(_RUNNING):
        if process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


@contextlib.contextmanager
def bench_home(prefix: str, *, keep: bool) -> Iterator[Path]:
    """A temporary home for a bench's servers; at the end every server still running is killed and the home
    removed, or kept (and said so) for reading the server logs."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield home
    finally:
        kill_leftovers()
        if keep:
            print(f"home and server logs kept in {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)
