"""Who may use the console: the sign-in check, signed session cookies, form tokens, and the slowing of
wrong guesses (counted per name and address, never refusing the right secret).

A session is a cookie holding who signed in, signed by itsdangerous with a key derived from the admin
secret and dated, so it expires. The key depends on nothing else: restarting the console, or a second
copy of it, keeps everyone signed in, while changing the secret signs everyone out. Every value is signed
for one purpose (a session, a notice, a form), so one is refused where another is expected. Every form
carries a token tied to the session, so a page on another site cannot post a form with the clerk's
cookie; the sign-in form's own token expires, so an old page cannot be replayed. What must outlive a
request (sessions signed out before they expire, recent wrong guesses) is kept in a `ConsoleState`,
which the store shares between restarts and replicas.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from bot.service.types import ConsoleState, MemoryConsoleState

SIGN_IN_FORM_SECONDS = 3600  # a sign-in page left open longer is stale
NOTICE_SECONDS = 600  # a notice is read on the page a redirect leads to; an old one is not shown again
FREE_GUESSES = 3  # wrong secrets by one name from one address before each further wrong try must wait
MAX_WAIT_SECONDS = 300


@dataclass(frozen=True)
class Session:
    who: str
    sid: str
    expires: float


def _party(who: str, address: str) -> str:
    """Whose guesses these are: the same name however it is capitalised or spaced. An address holds no
    space, so the first space always ends it and no name can pass for another party."""
    return f"{address} {' '.join(who.casefold().split())}"


class _ClockedSigner(TimestampSigner):
    """itsdangerous's dated signer on the console's clock, so a test can let a session expire without waiting."""

    def __init__(self, *args: Any, clock: Callable[[], float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class Guard:
    def __init__(self, secret: str, *, session_seconds: float, state: ConsoleState | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode("utf-8")
        self._session_seconds = session_seconds
        self._state = MemoryConsoleState() if state is None else state
        self._clock = clock
        # HMAC-SHA256 keys derived from the secret and each purpose's salt (itsdangerous's default is SHA-1)
        strong = {"key_derivation": "hmac", "digest_method": hashlib.sha256}

        def dated(purpose: str) -> URLSafeTimedSerializer:
            return URLSafeTimedSerializer(secret, salt=f"protocol-bot admin console {purpose}", signer=_ClockedSigner,
                                          signer_kwargs={**strong, "clock": clock})

        self._sessions, self._notices, self._sign_ins = dated("session"), dated("notice"), dated("sign-in")
        self._forms = URLSafeSerializer(secret, salt="protocol-bot admin console form", signer_kwargs=strong)

    # --- signing in -------------------------------------------------------------------------------

    def secret_matches(self, given: str) -> bool:
        # compared as digests, so neither the time taken nor an odd character says anything about the secret
        digest = hashlib.sha256(given.encode("utf-8", "replace")).digest()
        return hmac.compare_digest(digest, hashlib.sha256(self._secret).digest())

    def wait_seconds(self, who: str, address: str) -> int:
        """How long `who` at `address` must wait before a wrong guess is answered as wrong rather than as
        too soon (0: now). The right secret is never held up: it is checked first, whoever sends it.
        Counted per name and address: behind a reverse proxy every clerk shares one address, so one
        clerk's typos must not hold up another."""
        count, last = self._state.wrong_guesses(_party(who, address))
        if count < FREE_GUESSES:
            return 0
        wait = min(MAX_WAIT_SECONDS, 2 ** (count - FREE_GUESSES + 1))
        return max(0, int(last + wait - self._clock() + 0.999))

    def failed(self, who: str, address: str) -> None:
        self._state.add_wrong_guess(_party(who, address), self._clock())

    def succeeded(self, who: str, address: str) -> None:
        self._state.clear_wrong_guesses(_party(who, address))

    def sign_in_token(self) -> str:
        return self._sign_ins.dumps("sign-in")

    def sign_in_token_fresh(self, token: str) -> bool:
        return self._opened(self._sign_ins, token, SIGN_IN_FORM_SECONDS) is not None

    # --- sessions ---------------------------------------------------------------------------------

    def new_session(self, who: str) -> tuple[Session, str]:
        """A session for `who` and the cookie value that carries it."""
        session = Session(who, secrets.token_urlsafe(16), int(self._clock()) + self._session_seconds)
        return session, self._sessions.dumps({"who": session.who, "sid": session.sid})

    def session(self, cookie: str | None) -> Session | None:
        """The session a cookie carries, if it is ours, unexpired and not signed out."""
        opened = self._opened(self._sessions, cookie, self._session_seconds)
        if opened is None:
            return None
        raw, issued = opened
        if not (isinstance(raw, dict) and isinstance(raw.get("who"), str) and isinstance(raw.get("sid"), str)):
            return None
        session = Session(raw["who"], raw["sid"], issued + self._session_seconds)
        return None if self._state.signed_out(session.sid) else session

    def sign_out(self, session: Session) -> None:
        self._state.sign_out(session.sid, session.expires, self._clock())

    def form_token(self, session: Session) -> str:
        return self._forms.dumps(session.sid)

    def form_token_valid(self, session: Session, token: str) -> bool:
        try:
            return bool(self._forms.loads(token) == session.sid)
        except BadData:
            return False

    # --- messages carried across a redirect --------------------------------------------------------

    def seal(self, payload: dict[str, str]) -> str:
        """`payload` readable by anyone but changed by no one."""
        return self._notices.dumps(payload)

    def unseal(self, value: str | None) -> dict[str, str] | None:
        opened = self._opened(self._notices, value, NOTICE_SECONDS)
        raw = opened[0] if opened else None
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else None

    @staticmethod
    def _opened(serializer: URLSafeTimedSerializer, value: str | None, max_age: float) -> tuple[Any, float] | None:
        """What `value` carries and when it was signed, if `serializer` signed it less than `max_age` seconds ago."""
        if not value:
            return None
        try:
            raw, issued = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadData:  # forged, changed, signed for another purpose or with another secret, or expired
            return None
        return raw, issued.timestamp()
