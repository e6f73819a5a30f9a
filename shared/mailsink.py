"""A local SMTP server that keeps every accepted message, for `lotse dev`, tests and benchmarks.

Messages land as `.eml` files in a directory (written to a temporary name, then renamed, so a
reader never sees half a message), with the envelope recipients in an `X-Mailsink-Rcpt-To`
header. Faults can be injected to exercise the notifier's retries: the next N messages get a
given SMTP reply (`451 ...` transient, `550 ...` permanent) or have the connection dropped.
`lotse mailsink` adds a small web page and JSON API to read the mail and inject faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import html
import os
import signal
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

RCPT_HEADER = "X-Mailsink-Rcpt-To"
DROP = "drop"


@dataclass(frozen=True)
class StoredMessage:
    path: Path
    rcpt_tos: list[str]
    headers: EmailMessage
    text: str
    html: str | None

    @property
    def message_id(self) -> str | None:
        found = self.headers["Message-ID"]
        return None if found is None else str(found)

    @property
    def subject(self) -> str:
        return str(self.headers["Subject"] or "")

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "to": self.rcpt_tos,
            "subject": self.subject,
            "message_id": self.message_id,
            "content_language": self.headers["Content-Language"],
            "notification": self.headers["X-Lotse-Notification"],
            "text": self.text,
        }


def read_message(path: Path) -> StoredMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    rcpt = [a.strip() for a in str(parsed.get(RCPT_HEADER, "")).split(",") if a.strip()]
    text_part = parsed.get_body(("plain",))
    html_part = parsed.get_body(("html",))
    return StoredMessage(
        path=path,
        rcpt_tos=rcpt,
        headers=parsed,
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else None,
    )


class SinkHandler:
    """aiosmtpd handler: stores or (when told to) refuses messages."""

    def __init__(self, maildir: Path, *, keep: bool = True) -> None:
        self.maildir = maildir
        self.keep = keep
        self.accepted = 0
        self.sessions = 0  # EHLOs: how often clients (re)connected
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        maildir.mkdir(parents=True, exist_ok=True)

    def inject(self, reply: str, count: int = 1) -> None:
        """The next `count` messages get `reply` ("451 ...", "550 ...") or, for "drop", a cut connection."""
        with self._lock:
            self._faults.extend([reply] * count)

    def _next_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        # aiosmtpd reads and answers one command line at a time, so pipelined commands work;
        # it just does not say so. Saying it lets the notifier pipeline here as with a real server.
        session.host_name = hostname
        self.sessions += 1
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self._next_fault()
        if fault == DROP:
            # Hang up without a reply, as a crashing or overloaded server would.
            transport = getattr(server, "transport", None)
            if transport is not None:
                transport.close()
            return "421 4.3.0 connection dropped by fault injection"
        if fault:
            return fault
        if self.keep:
            content = envelope.original_content or b""
            rcpt = f"{RCPT_HEADER}: {', '.join(envelope.rcpt_tos)}\r\n".encode()
            name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
            tmp = self.maildir / f".{name}.tmp"
            tmp.write_bytes(rcpt + content)
            os.replace(tmp, self.maildir / f"{name}.eml")
        self.accepted += 1
        return "250 2.0.0 OK queued"

    def messages(self) -> list[StoredMessage]:
        return [read_message(path) for path in sorted(self.maildir.glob("*.eml"))]

    def clear(self) -> None:
        for path in self.maildir.glob("*.eml"):
            path.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailSink:
    """The sink on a background thread, for tests: `start()`, read `messages()`, `stop()`."""

    def __init__(self, maildir: Path, smtp_port: int = 0, *, keep: bool = True, smtputf8: bool = True) -> None:
        """``smtputf8=False``: a server without SMTPUTF8, as some providers' are (aiosmtpd's
        Controller offers it unless told not to, its bare SMTP class does not)."""
        self.handler = SinkHandler(Path(maildir), keep=keep)
        self.smtp_port = smtp_port or free_port()
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.smtp_port, data_size_limit=10 * 1024 * 1024,
            enable_SMTPUTF8=smtputf8,
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[StoredMessage]:
        return self.handler.messages()

    def inject(self, reply: str, count: int = 1) -> None:
        self.handler.inject(reply, count)

    def clear(self) -> None:
        self.handler.clear()


def _page(messages: list[StoredMessage]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(', '.join(m.rcpt_tos))}</td><td>{html.escape(m.subject)}</td>"
        f"<td>{html.escape(str(m.headers['Content-Language'] or ''))}</td>"
        f"<td><details><summary>text</summary><pre>{html.escape(m.text)}</pre></details></td></tr>"
        for m in reversed(messages)
    )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Lotse mail sink</title>"
        "<meta name=viewport content='width=device-width'>"
        f"<h1>Mail sink: {len(messages)} messages</h1>"
        f"<table><tr><th>To</th><th>Subject</th><th>Language</th><th>Body</th></tr>{rows}</table>"
    )


def http_app(handler: SinkHandler) -> web.Application:
    async def index(request: web.Request) -> web.Response:
        return web.Response(text=_page(handler.messages()), content_type="text/html")

    async def list_messages(request: web.Request) -> web.Response:
        return web.json_response({"messages": [m.summary() for m in handler.messages()]})

    async def clear(request: web.Request) -> web.Response:
        handler.clear()
        return web.Response(status=204)

    async def inject(request: web.Request) -> web.Response:
        body = await request.json()
        reply, count = body.get("reply"), body.get("count", 1)
        if not isinstance(reply, str) or not isinstance(count, int) or count < 1:
            return web.json_response({"error": "need reply (text) and count (>= 1)"}, status=422)
        handler.inject(reply, count)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/api/messages", list_messages)
    app.router.add_delete("/api/messages", clear)
    app.router.add_post("/api/faults", inject)
    return app


async def serve(
    maildir: Path, smtp_port: int, http_port: int | None, *, host: str = "127.0.0.1", keep: bool = True
) -> None:
    handler = SinkHandler(maildir, keep=keep)
    loop = asyncio.get_running_loop()
    # SMTPUTF8, as the providers people use offer it: an address like ü@bücher.example gets its
    # verification email in `lotse dev` too (review 11a, F4), not a "needs SMTPUTF8" failure.
    server = await loop.create_server(lambda: SMTP(handler, enable_SMTPUTF8=True), host, smtp_port)
    runner: web.AppRunner | None = None
    if http_port:
        runner = web.AppRunner(http_app(handler), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, http_port).start()
    print(f"mailsink: SMTP on {host}:{smtp_port}, web on {http_port or '-'}, mail in {maildir}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        if runner is not None:
            await runner.cleanup()


def run_mailsink(
    maildir: str | Path, smtp_port: int, http_port: int | None, *, host: str = "127.0.0.1", keep: bool = True
) -> int:
    asyncio.run(serve(Path(maildir), smtp_port, http_port, host=host, keep=keep))
    return 0
