"""A lean HTTP/1.1 client for the traffic generator: h11 over asyncio keep-alive streams.

httpx costs a few milliseconds of CPU per request in its connection pool, which caps
one Python process well below the few hundred requests a second a load test needs.
Here each connection is an asyncio stream with TCP_NODELAY and an ``h11`` state
machine (the protocol library uvicorn uses), taken from a small pool per request.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from urllib.parse import urlsplit

import h11


class LoadClient:
    """``status, body = await client.post(path, body)``; ``await client.close()``."""

    def __init__(
        self, url: str, *, connections: int, token: str | None = None, verify: object = True
    ) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.context: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self.context = (
                verify if isinstance(verify, ssl.SSLContext) else ssl.create_default_context()
            )
        self.headers = [("Host", f"{self.host}:{self.port}"), ("Content-Type", "application/json")]
        if token:
            self.headers.append(("Authorization", f"Bearer {token}"))
        self._idle: asyncio.Queue[_Connection] = asyncio.Queue()
        self._slots = asyncio.Semaphore(connections)
        self._all: list[_Connection] = []

    async def post(self, path: str, body: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
        async with self._slots:
            conn = self._idle.get_nowait() if not self._idle.empty() else None
            if conn is None:
                conn = await _Connection.open(self.host, self.port, self.context)
                self._all.append(conn)
            try:
                headers = [*self.headers, ("Content-Length", str(len(body)))]
                answer = await asyncio.wait_for(conn.post(path, headers, body), timeout)
            except BaseException:
                conn.close()
                self._all.remove(conn)
                raise
            if conn.reusable:
                self._idle.put_nowait(conn)
            else:
                conn.close()
                self._all.remove(conn)
            return answer

    async def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()
        for _ in range(3):  # let the transports' connection_lost run: sockets closed
            await asyncio.sleep(0)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.reusable = True

    @classmethod
    async def open(cls, host: str, port: int, context: ssl.SSLContext | None) -> _Connection:
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=host if context else None
        )
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def post(
        self, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, bytes]:
        conn = self.h11
        data = conn.send(h11.Request(method="POST", target=path, headers=headers)) or b""
        data += conn.send(h11.Data(data=body)) or b""
        data += conn.send(h11.EndOfMessage()) or b""
        self.writer.write(data)
        await self.writer.drain()
        status, chunks = 0, []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                raw = await self.reader.read(65536)
                conn.receive_data(raw)
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the service closed the connection")
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
        else:
            self.reusable = False
        return status, b"".join(chunks)

    def close(self) -> None:
        self.writer.transport.abort()  # at once, also mid-request (a timeout)
