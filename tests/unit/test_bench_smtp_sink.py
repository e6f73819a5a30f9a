"""The benchmark's zero-latency SMTP server speaks enough SMTP for aiosmtplib, pipelined or not."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib

from bench.smtp_sink import SinkProtocol
from lotse.shared.mailsink import free_port


def _message(body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "hi"
    message.set_content(body)
    return message


async def test_accepts_messages_over_one_connection_and_counts_them() -> None:
    port = free_port()
    server = await asyncio.get_running_loop().create_server(SinkProtocol, "127.0.0.1", port)
    before = SinkProtocol.received
    try:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        for body in ("one", "", ".leading dot\r\n..\r\n", "x" * 200_000):
            errors, reply = await client.send_message(_message(body))
            assert errors == {} and reply.startswith("2.0.0")
        await client.quit()
    finally:
        server.close()
        await server.wait_closed()
    assert SinkProtocol.received - before == 4
