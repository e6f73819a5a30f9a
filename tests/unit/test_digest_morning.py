"""The digest's morning window on Thuringia's clock, winter and summer, for hourly and daily digests."""

from __future__ import annotations

from datetime import UTC, datetime

from lotse.notifier.digest import is_morning

HOUR, DAY = 3600.0, 86400.0


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_the_hourly_window_from_eight_in_thuringia_is_the_morning_one() -> None:
    assert is_morning(HOUR, at("2027-01-15T07:30:00"))  # 08:30 CET
    assert not is_morning(HOUR, at("2027-01-15T06:59:00")) and not is_morning(HOUR, at("2027-01-15T08:00:00"))
    assert is_morning(HOUR, at("2027-07-15T06:10:00"))  # 08:10 CEST
    assert not is_morning(HOUR, at("2027-07-15T07:10:00"))


def test_a_daily_digest_is_always_in_its_morning_window() -> None:
    assert all(is_morning(DAY, at(f"2027-03-{day:02d}T{hour:02d}:00:00")) for day in (1, 28) for hour in (0, 12, 23))


def test_a_three_hour_window_holds_the_morning_once_a_day() -> None:
    starts = [at("2027-01-15T00:00:00") + i * 3 * HOUR for i in range(8)]
    assert sum(is_morning(3 * HOUR, start) for start in starts) == 1
