"""Who may use the console: the sign-in check, signed session cookies, form tokens, and the slowing of
wrong guesses (counted per name and address, never refusing the right secret).

A session is a cookie holding who signed in and when it expires, signed with a key derived from the
admin secret and a random value drawn when the console starts: changing the secret or restarting the
console signs everyone out, so a cookie kept after signing out never works again. Every form carries a token tied to the
session, so a page on another site cannot post a form with the clerk's cookie; the sign-in form's own
token expires, so an old page cannot be replayed. Nothing is kept on the server but the sessions
signed out before they expire and the recent wrong guesses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

SIGN_IN_FORM_SECONDS = 3600  # a sign-in page left open longer is stale
FREE_GUESSES = 3  # wrong secrets by one name from one address before each further wrong try must wait
MAX_WAIT_SECONDS = 300


@dataclass(frozen=True)
class Session:
    who: str
    sid: str
    expires: float


def _party(who: str, address: str) -> tuple[str, str]:
    """Whose guesses these are: the same name however it is capitalised or spaced."""
    return " ".join(who.casefold().split()), address


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Guard:
    def __init__(self, secret: str, *, session_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode("utf-8")
        # the sign-outs below are remembered only while this process runs, so its sessions end with it
        self._key = hmac.new(self._secret, b"protocol-bot admin console" + secrets.token_bytes(32), hashlib.sha256).digest()
        self._session_seconds = session_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._signed_out: dict[str, float] = {}  # sid -> when its cookie would have expired
        # (name, address) -> (wrong guesses, last one): behind a reverse proxy every clerk shares one address,
        # so one clerk's typos must not hold up another
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}

    def _sign(self, text: str) -> str:
        return _b64(hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).digest())

    # --- signing in -------------------------------------------------------------------------------

    def secret_matches(self, given: str) -> bool:
        # compared as digests, so neither the time taken nor an odd character says anything about the secret
        digest = hashlib.sha256(given.encode("utf-8", "replace")).digest()
        return hmac.compare_digest(digest, hashlib.sha256(self._secret).digest())

    def wait_seconds(self, who: str, address: str) -> int:
        """How long `who` at `address` must wait before a wrong guess is answered as wrong rather than as
        too soon (0: now). The right secret is never held up: it is checked first, whoever sends it."""
        with self._lock:
            count, last = self._failures.get(_party(who, address), (0, 0.0))
        if count < FREE_GUESSES:
            return 0
        wait = min(MAX_WAIT_SECONDS, 2 ** (count - FREE_GUESSES + 1))
        return max(0, int(last + wait - self._clock() + 0.999))

    def failed(self, who: str, address: str) -> None:
        with self._lock:
            count, _ = self._failures.get(_party(who, address), (0, 0.0))
            self._failures[_party(who, address)] = (count + 1, self._clock())

    def succeeded(self, who: str, address: str) -> None:
        with self._lock:
            self._failures.pop(_party(who, address), None)

    def sign_in_token(self) -> str:
        issued = str(int(self._clock()))
        return f"{issued}.{self._sign('sign-in|' + issued)}"

    def sign_in_token_fresh(self, token: str) -> bool:
        issued, _, signature = token.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(signature, self._sign("sign-in|" + issued)):
            return False
        return 0 <= self._clock() - int(issued) <= SIGN_IN_FORM_SECONDS

    # --- sessions ---------------------------------------------------------------------------------

    def new_session(self, who: str) -> tuple[Session, str]:
        """A session for `who` and the cookie value that carries it."""
        session = Session(who, secrets.token_urlsafe(16), self._clock() + self._session_seconds)
        return session, self._sealed("session", {"who": session.who, "sid": session.sid, "exp": str(session.expires)})

    def session(self, cookie: str | None) -> Session | None:
        """The session a cookie carries, if it is ours, unexpired and not signed out."""
        raw = self._opened("session", cookie)
        try:
            session = Session(raw["who"], raw["sid"], float(raw["exp"])) if raw else None
        except (KeyError, ValueError):
            return None
        now = self._clock()
        with self._lock:
            if session is None or session.sid in self._signed_out or session.expires <= now:
                return None
        return session

    def sign_out(self, session: Session) -> None:
        now = self._clock()
        with self._lock:
            self._signed_out = {sid: until for sid, until in self._signed_out.items() if until > now}
            self._signed_out[session.sid] = session.expires

    def form_token(self, session: Session) -> str:
        return self._sign("form|" + session.sid)

    def form_token_valid(self, session: Session, token: str) -> bool:
        return hmac.compare_digest(token.encode("utf-8", "replace"), self.form_token(session).encode("ascii"))

    # --- messages carried across a redirect --------------------------------------------------------

    def seal(self, payload: dict[str, str]) -> str:
        return self._sealed("notice", payload)

    def unseal(self, value: str | None) -> dict[str, str] | None:
        return self._opened("notice", value)

    def _sealed(self, purpose: str, payload: dict[str, str]) -> str:
        """`payload` readable by anyone but changed by no one: signed for one purpose, so a value made for
        one cookie is refused as another."""
        body = _b64(json.dumps(payload).encode("utf-8"))
        return f"{body}.{self._sign(purpose + '|' + body)}"

    def _opened(self, purpose: str, value: str | None) -> dict[str, str] | None:
        body, _, signature = (value or "").partition(".")
        if not body or not hmac.compare_digest(signature.encode("ascii", "replace"),
                                               self._sign(purpose + "|" + body).encode("ascii")):
            return None
        try:
            raw = json.loads(_unb64(body))
        except ValueError:
            return None
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else None
