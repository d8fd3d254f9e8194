"""A TCP relay that can stop forwarding on demand: a frozen database, as the server sees one.

While frozen, the relay still accepts connections and keeps every open one, but moves no byte
in either direction: a query already sent waits for an answer that does not come, as with a
stopped PostgreSQL or a network that drops packets. Thawed, it forwards again.
"""

from __future__ import annotations

import selectors
import socket
import threading


class Relay:
    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        # accept() wakes up to see `closing`: closing the socket does not interrupt it.
        self.listener.settimeout(0.2)
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.closing = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def freeze(self) -> None:
        self.forwarding.clear()

    def thaw(self) -> None:
        self.forwarding.set()

    def close(self) -> None:
        self.closing.set()
        self.forwarding.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            thread = threading.Thread(target=self._pump, args=(client,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _pump(self, client: socket.socket) -> None:
        # A connection opened while frozen reaches the server only once thawed.
        while not self.forwarding.wait(0.1):
            if self.closing.is_set():
                client.close()
                return
        server = socket.create_connection(self.upstream)
        other = {client: server, server: client}
        with selectors.DefaultSelector() as selector:
            for end in other:
                selector.register(end, selectors.EVENT_READ)
            try:
                while not self.closing.is_set():
                    if not self.forwarding.wait(0.1):
                        continue  # frozen: bytes stay where they are
                    for key, _ in selector.select(0.1):
                        data = key.fileobj.recv(65536)
                        if not data:
                            return
                        other[key.fileobj].sendall(data)
            except OSError:
                return
            finally:
                client.close()
                server.close()
