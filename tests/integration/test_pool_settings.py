"""What every service's pool sets on its sessions."""

from __future__ import annotations

from lotse.shared.db import create_pool
from tests.conftest import TEST_DATABASE_URL


async def test_sessions_run_without_jit_and_with_the_services_own_settings() -> None:
    pool = await create_pool(TEST_DATABASE_URL, min_size=1, max_size=1, application_name="lotse-test",
                             session_settings={"statement_timeout": "5s"})
    try:
        async with pool.acquire() as conn:
            found = await conn.fetchrow("""SELECT current_setting('jit') AS jit,
                                                  current_setting('statement_timeout') AS timeout,
                                                  current_setting('application_name') AS name""")
    finally:
        await pool.close()
    assert dict(found) == {"jit": "off", "timeout": "5s", "name": "lotse-test"}
