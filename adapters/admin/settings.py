"""The admin console's settings, read from the environment: there is no default secret."""

from __future__ import annotations

import os
from dataclasses import dataclass

from bot import messages
from bot.errors import SettingsError

MIN_SECRET_CHARS = 16
DEFAULT_PORT = 3980


@dataclass(frozen=True)
class AdminSettings:
    secret: str
    host: str = "127.0.0.1"  # wider only behind an HTTPS proxy (README, Admin console)
    port: int = DEFAULT_PORT
    https: bool = False  # the proxy in front serves HTTPS: cookies are then sent over HTTPS only
    session_hours: int = 8  # a working day; then the clerk signs in again
    # the address clerks type (the reverse proxy's name, e.g. admin.council.example): a request naming any
    # other host is refused, so a page on another site cannot reach the console through a rebound name
    address: str = ""

    def hosts(self) -> frozenset[str]:
        """The host names a request may be addressed to: this machine's own, the listening one, the configured one."""
        names = {"127.0.0.1", "localhost", "::1", self.host.lower()} - {"0.0.0.0", "::", ""}
        if self.address:
            names.add(host_name(self.address))
        return frozenset(names)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> AdminSettings:
        env = dict(os.environ if env is None else env)
        secret = env.get("PROTOCOL_BOT_ADMIN_SECRET", "")
        if not secret.strip():
            raise SettingsError(messages.ADMIN_SECRET_MISSING.format(minimum=MIN_SECRET_CHARS))
        if len(secret) < MIN_SECRET_CHARS:
            raise SettingsError(messages.ADMIN_SECRET_SHORT.format(length=len(secret), minimum=MIN_SECRET_CHARS))
        raw_port = env.get("PROTOCOL_BOT_ADMIN_PORT", "").strip()
        if raw_port and not (raw_port.isdigit() and 0 < int(raw_port) < 65536):
            raise SettingsError(messages.SETTING_NOT_A_PORT.format(name="PROTOCOL_BOT_ADMIN_PORT", value=raw_port))
        return cls(
            secret=secret,
            host=env.get("PROTOCOL_BOT_ADMIN_HOST", "").strip() or cls.host,
            port=int(raw_port) if raw_port else DEFAULT_PORT,
            https=env.get("PROTOCOL_BOT_ADMIN_HTTPS", "").strip().lower() in {"1", "true", "yes"},
            address=env.get("PROTOCOL_BOT_ADMIN_ADDRESS", "").strip(),
        )


def host_name(host: str) -> str:
    """The name in a Host header or an address, without scheme, port or path: "[::1]:3980" -> "::1"."""
    name = host.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    if name.startswith("["):
        return name[1:].split("]", 1)[0]
    return name.rsplit(":", 1)[0] if name.count(":") == 1 else name
