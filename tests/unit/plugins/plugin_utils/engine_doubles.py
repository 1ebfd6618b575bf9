# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test doubles the wait-engine tests share: a clock that moves only when the engine sleeps, and a fixed rng."""
from __future__ import annotations

from typing import List


class FakeClock:
    """A monotonic clock that only moves when the engine sleeps (or a test says so)."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: List[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the engine must never sleep for zero or negative time"
        self.sleeps.append(seconds)
        self.now += seconds


class FixedRandom:
    """An rng whose random() is always ``value``."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value
