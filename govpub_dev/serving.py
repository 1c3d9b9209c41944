"""Running the local HTTP servers (sample site, fault site): in the foreground until Ctrl-C,
or in a background thread for the length of a `with` block (tests, the demo, benches)."""

from __future__ import annotations

import contextlib
import threading
from socketserver import BaseServer
from typing import Iterator, TypeVar

Server = TypeVar("Server", bound=BaseServer)


def serve_until_interrupted(server: BaseServer) -> None:
    """Serve in this thread until Ctrl-C, then close the socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@contextlib.contextmanager
def serving(server: Server, name: str = "http-server") -> Iterator[Server]:
    """Serve in a daemon thread while the block runs, then shut the server down and close it."""
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
