"""The bare endpoints the whole-path benchmark compares intake with, in a process of their own:

- ``POST /insert``: one row plus one outbox row in one transaction, the least a registration does;
- ``GET /json``: a minimal JSON answer.

    python -m bench.ceilings PORT DATABASE_URL
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, body jsonb NOT NULL,
                                       created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_outbox (seq bigserial PRIMARY KEY, id uuid NOT NULL, payload jsonb NOT NULL,
                                         published_at timestamptz);
"""


async def insert(request: web.Request) -> web.Response:
    body = await request.json()
    row_id = uuid.uuid4()
    async with request.app["pool"].acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO bench_rows (id, body) VALUES ($1, $2)", row_id, json.dumps(body))
        await conn.execute("INSERT INTO bench_outbox (id, payload) VALUES ($1, $2)", uuid.uuid4(),
                           json.dumps({"id": str(row_id)}))
    return web.json_response({"id": str(row_id)}, status=201)


async def hello(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _pool(app: web.Application) -> AsyncIterator[None]:
    app["pool"] = await asyncpg.create_pool(app["database_url"], min_size=10, max_size=20)
    async with app["pool"].acquire() as conn:
        await conn.execute(SCHEMA)
    yield
    await app["pool"].close()


def main() -> None:
    port, database_url = int(sys.argv[1]), sys.argv[2]
    app = web.Application()
    app["database_url"] = database_url
    app.cleanup_ctx.append(_pool)
    app.router.add_post("/insert", insert)
    app.router.add_get("/json", hello)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
