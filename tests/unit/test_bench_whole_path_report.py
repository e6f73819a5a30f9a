"""The whole-path report pairs each round's figure with that round's ceiling."""

from __future__ import annotations

import pytest

from bench import whole_path


def test_each_ratio_is_given_per_round_beside_the_ratio_of_medians(capsys: pytest.CaptureFixture[str]) -> None:
    figures = {name: [1.0, 1.0, 1.0] for ratio in whole_path.RATIOS for name in ratio[1:3]}
    figures |= {"registrations p99 ms (saturation)": [30.0, 40.0, 50.0],
                "verification emails per accepted registration": [1.0, 1.0, 1.0]}
    figures["emails/s (notifier, from a backlog)"] = [700.0, 1500.0, 1000.0]
    figures["consume+insert+ack/s"] = [1000.0, 2000.0, 2000.0]
    whole_path.report(figures)
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("notifier emails (backlog)")]
    assert line.endswith("0.70 / 0.75 / 0.50")  # 700 ÷ 1000, 1500 ÷ 2000, 1000 ÷ 2000
    assert " 0.50  ≥ 0.70" in line  # 1000 ÷ 2000, the medians
