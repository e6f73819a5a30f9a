"""A zero-latency SMTP server for benchmarks: answers at once, keeps nothing, counts messages.

The notifier's goal is measured "against a zero-latency SMTP server". The project's mail sink
(aiosmtpd, which parses and stores every message for the viewer) costs about 1 ms of CPU per
email, as much as a third of the notifier's own cost; on a two-core machine it would be
measured as the notifier's. This one does the least a server can: reply to each command line,
skip the data up to the lone dot.

    python -m bench.smtp_sink PORT
"""

from __future__ import annotations

import asyncio
import sys

GREETING = b"220 bench-sink ESMTP\r\n"
EHLO = b"250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
END_OF_DATA = b"\r\n.\r\n"


class SinkProtocol(asyncio.Protocol):
    received = 0

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._in_data = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(GREETING)

    def data_received(self, data: bytes) -> None:
        assert self._transport is not None
        self._buffer += data
        replies: list[bytes] = []
        closing = False
        while True:
            if self._in_data:
                # The end may straddle two reads: look from just before the new bytes.
                end = self._buffer.find(END_OF_DATA)
                if end < 0:
                    self._buffer = self._buffer[-(len(END_OF_DATA) - 1):]
                    break
                self._buffer = self._buffer[end + len(END_OF_DATA):]
                self._in_data = False
                SinkProtocol.received += 1
                replies.append(b"250 2.0.0 accepted\r\n")
                continue
            line_end = self._buffer.find(b"\r\n")
            if line_end < 0:
                break
            line, self._buffer = self._buffer[:line_end], self._buffer[line_end + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                replies.append(EHLO)
            elif verb == b"DATA":
                self._in_data = True
                self._buffer = b"\r\n" + self._buffer  # the lone dot may follow at once
                replies.append(b"354 end with <CRLF>.<CRLF>\r\n")
            elif verb == b"QUIT":
                replies.append(b"221 bye\r\n")
                closing = True
                break
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                replies.append(b"250 ok\r\n")
        if replies:
            self._transport.write(b"".join(replies))  # pipelined commands get one write back
        if closing:
            self._transport.close()


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(SinkProtocol, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
