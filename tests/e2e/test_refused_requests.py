"""Review 9a F5: a request line or header over aiohttp's limit is refused by its parser before any
of intake's code. That 400 is aiohttp's; what intake controls is its log: one warning line per
refusal, no error and no traceback, and nothing of what was sent (the line may carry a token)."""

from __future__ import annotations

import json
import uuid

import aiohttp

from tests.e2e.conftest import ARTIFACTS, System
from tests.e2e.test_contract_process import _own_intake


async def test_an_over_long_request_line_or_header_is_one_warning_line_without_traceback(system: System) -> None:
    name = f"intake-long-{uuid.uuid4().hex[:6]}"
    marker = "secretish" + "a" * 9000
    async with _own_intake(system, name) as (url, _):
        for path, headers in ((f"/api/v1/participants?x={marker}", {}), ("/healthz", {"X-Big": marker * 11})):
            async with aiohttp.ClientSession() as http, http.get(url + path, headers=headers) as refused:
                assert refused.status == 400
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as still:
            assert still.status == 200
    lines = [json.loads(line) for line in (ARTIFACTS / f"{name}.log").read_text(encoding="utf-8").splitlines()
             if line.startswith("{")]
    refusals = [line for line in lines if line["logger"] == "aiohttp.server"]
    assert [(line["level"], line["msg"]) for line in refusals] == [
        ("warning", "request refused by the HTTP parser: LineTooLong")] * 2
    assert not [line for line in lines if line["level"] in ("error", "critical") or "exc" in line]
    assert "secretish" not in (ARTIFACTS / f"{name}.log").read_text(encoding="utf-8")
