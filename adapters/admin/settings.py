"""The admin console's settings, read from the environment: there is no default secret."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from bot import messages
from bot.settings import FromEnvironment, refusal

MIN_SECRET_CHARS = 16
DEFAULT_PORT = 3980
_YES, _NO = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})


def _long_enough(secret: str) -> str:
    if not secret.strip():
        raise refusal(messages.ADMIN_SECRET_MISSING, minimum=MIN_SECRET_CHARS)
    if len(secret) < MIN_SECRET_CHARS:
        raise refusal(messages.ADMIN_SECRET_SHORT, length=len(secret), minimum=MIN_SECRET_CHARS)
    return secret


def _port(raw: object) -> object:
    # only a value from the environment is checked: code (a test) may ask for port 0, any free one
    if isinstance(raw, str) and not (raw.strip().isdigit() and 0 < int(raw) < 65536):
        raise refusal(messages.SETTING_NOT_A_PORT, value=raw)
    return raw


def _yes_or_no(raw: object) -> object:
    if isinstance(raw, str):
        if raw.strip().lower() not in _YES | _NO:
            raise refusal(messages.SETTING_NOT_YES_OR_NO, value=raw)
        return raw.strip().lower() in _YES
    return raw


Stripped = Annotated[str, StringConstraints(strip_whitespace=True)]


class AdminSettings(FromEnvironment):
    secret: Annotated[str, AfterValidator(_long_enough)] = Field("", validation_alias="PROTOCOL_BOT_ADMIN_SECRET",
                                                                 validate_default=True)
    # wider only behind an HTTPS proxy (README, Admin console)
    host: Stripped = Field("127.0.0.1", validation_alias="PROTOCOL_BOT_ADMIN_HOST")
    port: Annotated[int, BeforeValidator(_port)] = Field(DEFAULT_PORT, validation_alias="PROTOCOL_BOT_ADMIN_PORT")
    # the proxy in front serves HTTPS: cookies are then sent over HTTPS only
    https: Annotated[bool, BeforeValidator(_yes_or_no)] = Field(False, validation_alias="PROTOCOL_BOT_ADMIN_HTTPS")
    session_hours: int = 8  # a working day; then the clerk signs in again
    # the address clerks type (the reverse proxy's name, e.g. admin.council.example): a request naming any
    # other host is refused, so a page on another site cannot reach the console through a rebound name
    address: Stripped = Field("", validation_alias="PROTOCOL_BOT_ADMIN_ADDRESS")

    def hosts(self) -> frozenset[str]:
        """The host names a request may be addressed to: this machine's own, the listening one, the configured one."""
        names = {"127.0.0.1", "localhost", "::1", self.host.lower()} - {"0.0.0.0", "::", ""}
        if self.address:
            names.add(host_name(self.address))
        return frozenset(names)


def host_name(host: str) -> str:
    """The name in a Host header or an address, without scheme, port or path: "[::1]:3980" -> "::1"."""
    name = host.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    if name.startswith("["):
        return name[1:].split("]", 1)[0]
    return name.rsplit(":", 1)[0] if name.count(":") == 1 else name
