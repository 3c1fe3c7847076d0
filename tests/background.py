"""Running test servers on a background thread, and how long tests wait for other threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from socketserver import BaseServer
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")

# Ample for anything a test waits on, yet a hang still ends as a failure instead of a stuck run.
WAIT_SECONDS = 10


def serve_in_background(server: BaseServer) -> Callable[[], None]:
    """Start `server` on a daemon thread; returns what stops it and frees its port."""
    # a short poll, so stopping does not wait out the default half second
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(WAIT_SECONDS)

    return stop


class AiohttpInBackground:
    """An aiohttp app served on 127.0.0.1 by an event loop on a thread of its own, so that code which
    blocks (the Slack SDK, a bench's senders) can talk to it."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def start(self, make_app: Callable[[], web.Application], *, timeout: float = WAIT_SECONDS) -> int:
        """Serve the app `make_app` builds (on the loop, so it may make loop-bound objects); its port."""
        self._thread.start()

        async def serve() -> None:
            self._runner = web.AppRunner(make_app(), handle_signals=False, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", 0).start()
            self.port = self._runner.addresses[0][1]

        self.call(serve(), timeout=timeout)
        return self.port

    def call(self, work: Coroutine[Any, Any, T], *, timeout: float = WAIT_SECONDS) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=timeout)

    def stop(self, *, timeout: float = WAIT_SECONDS) -> None:
        if self._runner is not None:
            self.call(self._runner.cleanup(), timeout=timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=timeout)
