"""A PostgreSQL server that only ever refuses: it answers every connection with one FATAL error, as a
server starting up or shutting down does (SQLSTATE 57P03). The client (asyncpg) is real."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

SSL_REQUEST = 80877103


def _error_response(sqlstate: str, message: str) -> bytes:
    fields = b"".join(
        code + value.encode() + b"\0"
        for code, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", message))
    )
    fields += b"\0"
    return b"E" + struct.pack("!i", len(fields) + 4) + fields


@asynccontextmanager
async def refusing_postgres(sqlstate: str, message: str) -> AsyncIterator[int]:
    """A loopback port whose every connection is refused with ``sqlstate`` after the startup packet."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            length, code = struct.unpack("!ii", await reader.readexactly(8))
            if code == SSL_REQUEST:  # no TLS here; the client then sends its startup packet
                writer.write(b"N")
                await writer.drain()
                (length,) = struct.unpack("!i", await reader.readexactly(4))
                await reader.readexactly(length - 4)
            else:
                await reader.readexactly(length - 8)
            writer.write(_error_response(sqlstate, message))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()
