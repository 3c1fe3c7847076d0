"""Running test servers on a background thread, and how long tests wait for other threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from socketserver import BaseServer

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
