"""The benchmark's zero-latency SMTP server speaks enough SMTP for the notifier, pipelined or not."""

from __future__ import annotations

import asyncio

import pytest

from bench.smtp_sink import SinkProtocol
from lotse.notifier.smtp_client import SmtpClient, dot_stuffed
from lotse.shared.mailsink import free_port


@pytest.mark.parametrize("pipelining", [True, False])
async def test_accepts_messages_over_one_connection_and_counts_them(pipelining: bool) -> None:
    port = free_port()
    server = await asyncio.get_running_loop().create_server(SinkProtocol, "127.0.0.1", port)
    before = SinkProtocol.received
    try:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=10)
        assert client.supports("pipelining")
        if not pipelining:
            del client.extensions["pipelining"]
        for body in (b"one", b"", b".leading dot\r\n..\r\n", b"x" * 200_000):
            reply = await client.send("a@example.org", "b@example.org",
                                      dot_stuffed(b"Subject: hi\r\n\r\n" + body))
            assert reply.code == 250
        await client.quit()
    finally:
        server.close()
        await server.wait_closed()
    assert SinkProtocol.received - before == 4
